import { useState } from 'react';
import { SWEPT_HP_LABELS, validateSweepConfig } from '../../../src/sweep/config';
import { trainOneRun } from '../../gpuClient';
import * as fmt from '../../lib/format';
import { PARAMETRIZATION_LABELS } from '../../../src/mup/parametrizations';
import { useShallow } from 'zustand/react/shallow';
import type { RunRecord } from '../../../src/sweep/types';
import { useLab } from '../../store';
import { useTuned } from './useTuned';

const NO_RECORDS: RunRecord[] = [];

/** Trains the target width once with the transferred value and says where it landed. */
export function TrainTarget({ width, depth }: { width: number; depth: number }) {
  const tuned = useTuned();
  const sweep = useLab(
    useShallow((s) => ({
      status: s.sweep.status,
      config: s.sweep.config,
      targetRuns: s.sweep.targetRuns,
      // The analysed records: they change at the analysis' pace, not on every finished run.
      records: s.analysis?.records ?? NO_RECORDS,
    })),
  );
  const gpu = useLab((s) => s.gpu);
  const targetRunDone = useLab((s) => s.targetRunDone);
  const [running, setRunning] = useState<{ step: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const horizonTraining = useLab((s) => s.horizon.status !== 'idle');
  const busy = sweep.status === 'running' || sweep.status === 'paused' || horizonTraining;
  if (tuned?.log2 === undefined || !sweep.config) return null;
  const { config, log2, parametrization, vocab } = tuned;
  const spec = { parametrization, width, depth, seed: config.train.seeds[0], log2Hp: log2 };
  const record = sweep.targetRuns.find(
    (r) =>
      r.parametrization === spec.parametrization &&
      r.width === width &&
      r.depth === depth &&
      Math.abs(r.log2Hp - spec.log2Hp) < 1e-6,
  );
  const steps = config.train.steps;
  // Refused before anything is allocated when this adapter cannot hold the width.
  const limits = gpu.state === 'ready' ? gpu.limits : undefined;
  const refused = validateSweepConfig(
    { ...config, axis: 'width', widths: [width], parametrizations: [parametrization] },
    { vocab: vocab ?? undefined, limits },
  ).find((e) => e.field === 'widths' || e.field === 'sweep');
  // The best loss of the widest trained width, to compare with.
  const scaled = config.axis === 'width' ? 'width' : 'depth';
  const mine = sweep.records.filter(
    (r) => r.parametrization === parametrization && !r.diverged && r.finalLoss !== null,
  );
  const widest = Math.max(...mine.map((r) => (scaled === 'width' ? r.width : r.depth)));
  const widestBest = Math.min(
    ...mine
      .filter((r) => (scaled === 'width' ? r.width : r.depth) === widest)
      .map((r) => r.finalLoss ?? Infinity),
  );

  const train = () => {
    setError(null);
    setRunning({ step: 0 });
    trainOneRun(config, spec, (p) => setRunning({ step: p[p.length - 1]?.step ?? 0 }))
      .then((r) => targetRunDone(r))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setRunning(null));
  };

  return (
    <div className="train-target">
      <button
        type="button"
        onClick={train}
        disabled={
          busy ||
          running !== null ||
          refused !== undefined ||
          (gpu.state !== 'ready' && gpu.state !== 'lost')
        }
      >
        Train width {width} with these
      </button>
      <span className="muted">
        {' '}
        {PARAMETRIZATION_LABELS[parametrization]}, log2 {SWEPT_HP_LABELS[config.sweep.name]}{' '}
        {fmt.log2(log2)}, {steps} steps
        {busy && ' · after the sweep'}
      </span>
      {refused && (
        <p className="field-error" role="alert">
          {refused.message}
        </p>
      )}
      {running && (
        <progress max={steps} value={running.step} aria-label={`Width ${width}: steps`} />
      )}
      {record && (
        <p role="status" data-testid="target-result">
          Width {width}:{' '}
          {record.diverged ? (
            <strong>diverged at step {record.divergedAtStep ?? '?'}</strong>
          ) : (
            <>
              final loss <strong>{fmt.loss(record.finalLoss)}</strong>
              {Number.isFinite(widestBest) && (
                <>
                  {' '}
                  against {fmt.loss(widestBest)} at the best point of {scaled} {widest}:{' '}
                  {(record.finalLoss ?? Infinity) <= widestBest
                    ? 'the wider model is better at the transferred value, as predicted.'
                    : 'not better than the trained widths here (few steps, or the transfer does not hold).'}
                </>
              )}
            </>
          )}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert">
          Training width {width} failed: {error}
        </p>
      )}
    </div>
  );
}
