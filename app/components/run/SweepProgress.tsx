import { useRates } from '../../hooks/useRates';
import { estimateSeconds, tokensPerRun, type StepRate } from '../../lib/estimate';
import * as fmt from '../../lib/format';
import { useShallow } from 'zustand/react/shallow';
import type { RunRecord } from '../../../src/sweep/types';
import { useLab, type SweepState } from '../../store';

const STATUS_WORDS: Record<SweepState['status'], string> = {
  idle: 'Not started',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

/**
 * Seconds left: the runs still to train at the step rates measured by this sweep's finished runs
 * (and earlier ones on this adapter); before any, tokens left over the measured tokens/s.
 */
function etaSeconds(s: SweepState, rates: StepRate[]): number | undefined {
  if (!s.config || s.status !== 'running') return undefined;
  const measured =
    s.vocab === null ? undefined : estimateSeconds(s.config, s.vocab, rates, s.records);
  if (measured !== undefined) return measured;
  if (!s.tokensPerSec) return undefined;
  const perRun = tokensPerRun(s.config);
  const perStep = s.config.train.batch * s.config.model.context;
  const inFlightDone = s.inFlight.reduce((n, r) => {
    const curve = s.live[r.id];
    return n + (curve?.length ? curve[curve.length - 1].step * perStep : 0);
  }, 0);
  const remaining = Math.max(0, (s.total - s.records.length) * perRun - inFlightDone);
  return remaining / s.tokensPerSec;
}

/** Diverged runs of a records list, counted once per list (selectors run on every update). */
const divergedCounts = new WeakMap<RunRecord[], number>();
function divergedOf(records: RunRecord[]): number {
  let n = divergedCounts.get(records);
  if (n === undefined) {
    n = records.filter((r) => r.diverged).length;
    divergedCounts.set(records, n);
  }
  return n;
}

/** The sweep's progress bar: runs done of total, ETA and throughput. */
export function SweepProgress() {
  const rates = useRates();
  const sweep = useLab(
    useShallow((s) => ({
      status: s.sweep.status,
      stopping: s.sweep.stopping,
      pausing: s.sweep.pausing,
      total: s.sweep.total,
      done: s.sweep.records.length,
      diverged: divergedOf(s.sweep.records),
      // Rounded to seconds: a re-render when the shown text can change, not on every tick.
      eta: Math.round(etaSeconds(s.sweep, rates) ?? -1),
      tokensPerSec: s.sweep.tokensPerSec,
    })),
  );
  const { done, total, diverged } = sweep;
  const eta = sweep.eta >= 0 ? sweep.eta : undefined;
  const pct = total ? (100 * done) / total : 0;
  return (
    <div className="sweep-progress">
      <div
        className="bar"
        role="progressbar"
        aria-label="Sweep progress"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} runs`}
        data-testid="sweep-progress"
      >
        <div className="fill" style={{ width: `${pct}%` }} />
      </div>
      <p className="progress-text" data-testid="sweep-status">
        <span className={`status ${sweep.status}`}>
          {sweep.stopping
            ? 'Cancelling…'
            : sweep.pausing
              ? 'Pausing… (finishing the steps already on the GPU)'
              : STATUS_WORDS[sweep.status]}
        </span>
        {total > 0 && (
          <>
            {' · '}
            <strong>
              {done} / {total}
            </strong>{' '}
            runs
          </>
        )}
        {diverged > 0 && ` · ${diverged} diverged`}
        {eta !== undefined && (
          <span data-testid="sweep-eta"> · about {fmt.duration(eta)} left</span>
        )}
        {sweep.tokensPerSec !== null && sweep.status === 'running' && (
          <> · {fmt.tokensPerSec(sweep.tokensPerSec)}</>
        )}
      </p>
    </div>
  );
}
