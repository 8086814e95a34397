import { useMemo, useRef, useState } from 'react';
import { SWEPT_HP_LABELS } from '../../../src/sweep/config';
import {
  planVerify,
  predictOptima,
  sweepAnalysis,
  verificationAt,
  verifyLine,
  VERIFY_HALF_OCTAVES,
  VERIFY_POINTS,
} from '../../../src/sweep/verify';
import { cancelVerification, runVerification } from '../../gpuClient';
import { useRates } from '../../hooks/useRates';
import { estimateRunsSeconds } from '../../lib/estimate';
import { duration } from '../../lib/format';
import { PARAMETRIZATION_LABELS } from '../../../src/mup/parametrizations';
import { useLab } from '../../store';
import { withMetric } from '../../../src/analysis/metric';

/** How often the progress bar follows the worker's per-step read-backs (ms). */
const PROGRESS_EVERY_MS = 250;

interface Running {
  done: number;
  total: number;
  /** Steps of the stack in flight. */
  step: number;
  stopping: boolean;
}

/**
 * "Verify transfer at width N": a small sweep at the target width around the optimum µTransfer
 * predicts from the base width (src/sweep/verify.ts), for each parametrization of the sweep;
 * the chart draws it dashed and this panel reports predicted and observed optimum and penalty.
 */
export function VerifyTarget({ width }: { width: number }) {
  const config = useLab((s) => s.sweep.config);
  const metric = useLab((s) => s.metric);
  const sweepRecords = useLab((s) => s.sweep.records);
  const sweepTargetRuns = useLab((s) => s.sweep.targetRuns);
  // Predicted and observed optima on the loss the chart shows (and the export states).
  const records = useMemo(() => withMetric(sweepRecords, metric), [sweepRecords, metric]);
  const targetRuns = useMemo(() => withMetric(sweepTargetRuns, metric), [sweepTargetRuns, metric]);
  const vocab = useLab((s) => s.sweep.vocab);
  const status = useLab((s) => s.sweep.status);
  const gpu = useLab((s) => s.gpu);
  const targetRunDone = useLab((s) => s.targetRunDone);
  const horizonTraining = useLab((s) => s.horizon.status !== 'idle');
  const [running, setRunning] = useState<Running | null>(null);
  const [error, setError] = useState<string | null>(null);
  const lastTick = useRef(0);
  const rates = useRates();
  const limits = gpu.state === 'ready' ? gpu.limits : undefined;
  // The predictions cost a bootstrap: once per sweep result, not per slider position.
  const predictions = useMemo(
    () =>
      config && records.length > 0 ? predictOptima(config, sweepAnalysis(config, records)) : [],
    [config, records],
  );
  const planned = useMemo(
    () =>
      config && records.length > 0
        ? planVerify(config, records, { width, vocab: vocab ?? undefined, limits, predictions })
        : undefined,
    [config, records, width, vocab, limits, predictions],
  );
  const results = useMemo(
    () => (config ? verificationAt(config, records, targetRuns, width, predictions) : []),
    [config, records, targetRuns, width, predictions],
  );
  // Runs a cancelled verification already trained are kept: only the rest are trained.
  const toTrain = useMemo(() => {
    if (!planned?.ok) return [];
    const trained = new Set(targetRuns.map((r) => r.id));
    return planned.plan.runs.filter((r) => !trained.has(r.id));
  }, [planned, targetRuns]);
  const seconds = useMemo(
    () =>
      config && toTrain.length > 0 && vocab !== null
        ? estimateRunsSeconds(config, vocab, rates, toTrain)
        : undefined,
    [config, toTrain, vocab, rates],
  );
  if (!config || !planned) return null;
  const busy = status === 'running' || status === 'paused' || horizonTraining || running !== null;
  const hpName = SWEPT_HP_LABELS[config.sweep.name];
  const seeds = config.train.seeds;

  const verify = () => {
    if (!planned.ok) return;
    const runs = toTrain;
    setError(null);
    setRunning({ done: 0, total: runs.length, step: 0, stopping: false });
    let done = 0;
    runVerification(
      config,
      runs,
      (progress) => {
        const now = performance.now();
        if (now - lastTick.current < PROGRESS_EVERY_MS) return;
        lastTick.current = now;
        const step = progress[progress.length - 1]?.step ?? 0;
        setRunning((r) => (r ? { ...r, step } : r));
      },
      (record) => {
        done += 1;
        targetRunDone(record);
        setRunning((r) => (r ? { ...r, done, step: 0 } : r));
      },
    )
      .then((outcome) => {
        if (outcome === 'cancelled') setError(`Verification cancelled after ${done} runs.`);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setRunning(null));
  };

  return (
    <div className="verify-target">
      <button
        type="button"
        onClick={verify}
        disabled={!planned.ok || busy || (gpu.state !== 'ready' && gpu.state !== 'lost')}
      >
        Verify transfer at width {width}
      </button>
      {running && (
        <button
          type="button"
          className="secondary"
          disabled={running.stopping}
          onClick={() => {
            setRunning((r) => (r ? { ...r, stopping: true } : r));
            cancelVerification();
          }}
        >
          {running.stopping ? 'Stopping…' : 'Cancel verification'}
        </button>
      )}
      <span className="muted">
        {' '}
        {VERIFY_POINTS} values of {hpName} within ± {VERIFY_HALF_OCTAVES} octaves of the predicted
        optimum, seed{seeds.length === 1 ? '' : 's'} {seeds.join(', ')}, for{' '}
        {config.parametrizations.length === 1 ? 'the parametrization' : 'each parametrization'}
        {planned.ok && (
          <>
            {' '}
            ({planned.plan.runs.length} runs
            {toTrain.length < planned.plan.runs.length && `, ${toTrain.length} left`}
            {seconds !== undefined && (
              <>
                , about <span data-testid="verify-estimate">{duration(seconds)}</span> on this
                adapter
              </>
            )}
            )
          </>
        )}
        {status === 'running' || status === 'paused' ? ' · after the sweep' : ''}
      </span>
      {!planned.ok && (
        <p className="field-error" role="alert">
          Cannot verify at width {width}: {planned.message}
        </p>
      )}
      {running && (
        <progress
          max={running.total}
          value={running.done}
          aria-label={`Verification at width ${width}: runs`}
          title={`${running.done} of ${running.total} runs, step ${running.step}`}
        />
      )}
      {results.length > 0 && (
        <div role="status" data-testid="verify-report" className="verify-report">
          <p>
            <strong>Transfer verified at width {width}</strong> (dashed on the chart):
          </p>
          <ul>
            {results.map((r) => (
              <li key={r.parametrization}>
                {verifyLine(r, hpName, PARAMETRIZATION_LABELS[r.parametrization])}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
