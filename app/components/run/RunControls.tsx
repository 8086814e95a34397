import { useState } from 'react';
import { runCount, type ConfigError } from '../../../src/sweep/config';
import { cancelSweep, pauseSweep, resumeSweep, runSweep } from '../../gpuClient';
import { useShallow } from 'zustand/react/shallow';
import { useRates } from '../../hooks/useRates';
import { estimateSeconds } from '../../lib/estimate';
import * as fmt from '../../lib/format';
import { useLab } from '../../store';
import { removeSweep } from '../../sweeps/sweepList';
import { FORM_FIELDS } from '../form/errors';
import { ConfirmDialog } from './ConfirmDialog';
import { SaveStatus } from './SaveStatus';
import { SweepProgress } from './SweepProgress';

/** A sweep estimated over this many seconds asks before it starts. */
export const LONG_SWEEP_S = 600;

/** Run, Pause, Resume, Cancel and Clear, the progress bar, and why the sweep stopped. */
export function RunControls({ errors }: { errors: ConfigError[] }) {
  // Only what the buttons need: a finished run changes none of it but the count.
  const sweep = useLab(
    useShallow((s) => ({
      id: s.sweep.id,
      status: s.sweep.status,
      stopping: s.sweep.stopping,
      message: s.sweep.message,
      finished: s.sweep.records.length,
    })),
  );
  const config = useLab((s) => s.config);
  const gpu = useLab((s) => s.gpu);
  const data = useLab((s) => s.data);
  const clearResults = useLab((s) => s.clearResults);
  // The horizon runs train on the same GPU queue: the sweep waits until they are done.
  const horizonTraining = useLab((s) => s.horizon.status !== 'idle');
  const [confirming, setConfirming] = useState(false);
  const rates = useRates();
  /** The estimated seconds of a sweep awaiting "Run it anyway" (over LONG_SWEEP_S). */
  const [longSweep, setLongSweep] = useState<number | null>(null);

  const active = sweep.status === 'running' || sweep.status === 'paused';
  const gpuUsable = gpu.state === 'ready' || gpu.state === 'lost';
  const canRun =
    !active && !horizonTraining && errors.length === 0 && gpuUsable && data.state === 'ready';
  const other = errors.filter((e) => !FORM_FIELDS.has(e.field));
  const hasResults = sweep.finished > 0 || sweep.status !== 'idle';
  // Resume is the next step of a paused or interrupted sweep: it gets the primary style.
  const resumable = sweep.status === 'paused' || sweep.status === 'interrupted';

  return (
    <section className="panel run" aria-labelledby="run-title">
      <div className="panel-head">
        <h2 id="run-title">Run</h2>
        <SaveStatus />
      </div>
      <div className="buttons">
        <button
          type="button"
          className={resumable ? 'secondary' : undefined}
          disabled={!canRun}
          onClick={() => {
            const seconds =
              data.state === 'ready' ? estimateSeconds(config, data.vocab, rates) : undefined;
            if (seconds !== undefined && seconds > LONG_SWEEP_S) setLongSweep(seconds);
            else runSweep(config);
          }}
        >
          Run sweep
        </button>
        <button
          type="button"
          className="secondary"
          disabled={sweep.status !== 'running' || sweep.stopping}
          onClick={pauseSweep}
        >
          Pause
        </button>
        <button
          type="button"
          className={resumable ? undefined : 'secondary'}
          disabled={
            sweep.stopping ||
            !(
              sweep.status === 'paused' ||
              (sweep.status === 'interrupted' && gpuUsable && !horizonTraining)
            )
          }
          onClick={resumeSweep}
        >
          Resume
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!(active || sweep.status === 'interrupted') || sweep.stopping}
          onClick={cancelSweep}
        >
          {sweep.stopping ? 'Cancelling…' : 'Cancel'}
        </button>
        <span className="spacer" />
        <button
          type="button"
          className="secondary danger-text"
          disabled={active || horizonTraining || !hasResults}
          onClick={() => setConfirming(true)}
        >
          Clear
        </button>
      </div>
      {errors.length > 0 && !active && (
        <p className="hint" data-testid="run-blocked">
          {errors.length === 1 ? 'One setting needs' : `${errors.length} settings need`} fixing
          before the sweep can run.
        </p>
      )}
      {other.length > 0 && (
        <ul className="field-error" role="alert">
          {other.map((e) => (
            <li key={`${e.field}:${e.message}`}>{e.message}</li>
          ))}
        </ul>
      )}
      <SweepProgress />
      {sweep.message && sweep.status === 'interrupted' && (
        <p className="alert" role="alert" data-testid="sweep-message">
          {sweep.message}
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title="Clear the results?"
        message={`This deletes the ${sweep.finished} finished run${sweep.finished === 1 ? '' : 's'} of this sweep from the page and from this browser's storage (the Sweeps list offers Undo for a while). Your settings stay.`}
        confirmLabel="Clear results"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          if (sweep.id !== null) void removeSweep(sweep.id);
          else clearResults();
        }}
      />
      <ConfirmDialog
        open={longSweep !== null}
        title="Start a long sweep?"
        message={
          // Built only when asked: runCount throws on an invalid config (the form's, mid-edit).
          longSweep === null
            ? ''
            : `This sweep is estimated at about ${fmt.duration(longSweep)} on this adapter (${fmt.count(runCount(config))} runs, from the step times measured here). Pause and Cancel stop it at any time; its finished runs are kept.`
        }
        confirmLabel="Run it anyway"
        cancelLabel="Not now"
        onCancel={() => setLongSweep(null)}
        onConfirm={() => {
          setLongSweep(null);
          runSweep(config);
        }}
      />
    </section>
  );
}
