import { cancelHorizonRuns, trainHorizonRuns } from '../../gpuClient';
import { useLab } from '../../store';
import type { RunSpec } from '../../../src/sweep/types';

/**
 * Under a cosine schedule: what the horizon runs are, a button that trains those not finished
 * yet, their progress and a Cancel (the finished ones are kept, and saved like the sweep's).
 */
export function HorizonRuns({ plan, scaled }: { plan: RunSpec[]; scaled: string }) {
  const done = useLab((s) => s.sweep.horizonRuns);
  const sweepStatus = useLab((s) => s.sweep.status);
  const horizon = useLab((s) => s.horizon);
  const gpu = useLab((s) => s.gpu);
  const finishedIds = new Set(done.map((r) => r.id));
  const finished = plan.filter((r) => finishedIds.has(r.id)).length;
  const missing = plan.length - finished;
  const lengths = [...new Set(plan.map((r) => r.steps))].join(' and ');
  const sweepActive = sweepStatus === 'running' || sweepStatus === 'paused';
  const training = horizon.status !== 'idle';
  const gpuUsable = gpu.state === 'ready' || gpu.state === 'lost';
  return (
    <div className="horizon-runs" data-testid="horizon-runs">
      <p className="muted">
        Under a cosine schedule the first steps of a run are not a shorter run (its learning rate
        has not decayed yet), so each shorter length is trained on its own: {plan.length} runs of{' '}
        {lengths} steps at {scaled}, for every parametrization, seed and grid point, each with a
        full cosine schedule whose warm-up is the same fraction of the run. The full length is the
        sweep&rsquo;s own runs.
      </p>
      <div className="buttons">
        {missing > 0 && (
          <button
            type="button"
            disabled={training || sweepActive || !gpuUsable}
            onClick={trainHorizonRuns}
          >
            {finished === 0
              ? `Train the shorter horizons (${plan.length} runs)`
              : `Train the remaining ${missing} horizon runs`}
          </button>
        )}
        {training && (
          <button
            type="button"
            className="secondary"
            disabled={horizon.status === 'stopping'}
            onClick={cancelHorizonRuns}
          >
            {horizon.status === 'stopping' ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {sweepActive && missing > 0 && <span className="muted">after the sweep</span>}
      </div>
      {(training || finished > 0) && (
        <p className="progress-text" data-testid="horizon-progress">
          <progress max={plan.length} value={finished} aria-label="Horizon runs" /> {finished} /{' '}
          {plan.length} horizon runs{training ? ' · training' : ''}
        </p>
      )}
      {horizon.message && (
        <p className="alert" role="alert">
          {horizon.message}
        </p>
      )}
    </div>
  );
}
