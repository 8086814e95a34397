/**
 * Transfer across training length (the horizon): does the best learning rate move when the
 * same model trains for fewer or more steps? Under a constant schedule a run's loss history
 * already holds the answer for every shorter horizon (the first s steps of a T-step run are an
 * s-step run), so the lab reads the final loss at several step counts off the same runs. Under a
 * cosine schedule the first s steps of a T-step run are not an s-step run (the learning rate has
 * not decayed yet): each shorter horizon is trained as runs of its own (planHorizonRuns), each
 * with a full cosine schedule whose warm-up is the same fraction of the run
 * (scheduleForSteps), at the widest width for every parametrization, grid point and seed.
 * Either way the horizons are analyzed like widths: one curve per horizon, its optimum with the
 * bootstrap over seeds, and the drift per doubling of the training length.
 */
import { finalLossOf } from '../analysis/metric';
import {
  analyzeParametrization,
  type ParametrizationAnalysis,
  type RunOutcome,
} from '../analysis/analysis';
import { hpGrid, scaledValues, type SweepConfig } from './config';
import { toOutcomes } from '../analysis/outcomes';
import { runId, type RunRecord, type RunSpec } from './types';

/** Step counts to compare: a quarter, half and all of the run (distinct, at least 2 steps). */
export function horizonSteps(totalSteps: number): number[] {
  const steps = [Math.round(totalSteps / 4), Math.round(totalSteps / 2), totalSteps];
  return [...new Set(steps.filter((s) => s >= 2))];
}

/** Whether the shorter horizons need runs of their own (any schedule but a constant one). */
export function horizonNeedsRuns(config: SweepConfig): boolean {
  return config.train.schedule.kind !== 'constant';
}

/**
 * The runs of the shorter horizons under a cosine schedule: at the sweep's widest width (deepest
 * depth in a depth sweep), each shorter horizon × parametrization × seed × grid point, shortest
 * horizon first. The full length is the sweep's own runs. None under a constant schedule.
 */
export function planHorizonRuns(config: SweepConfig): RunSpec[] {
  if (!horizonNeedsRuns(config)) return [];
  const scaled = Math.max(...scaledValues(config));
  const width = config.axis === 'width' ? scaled : config.widths[0];
  const depth = config.axis === 'depth' ? scaled : config.model.depth;
  const runs: RunSpec[] = [];
  for (const steps of horizonSteps(config.train.steps).filter((s) => s < config.train.steps)) {
    for (const parametrization of config.parametrizations) {
      for (const seed of config.train.seeds) {
        for (const log2Hp of hpGrid(config.sweep)) {
          const spec = { parametrization, width, depth, seed, log2Hp, steps };
          runs.push({ id: runId(spec), ...spec });
        }
      }
    }
  }
  return runs;
}

/**
 * One outcome per run and horizon, the horizon in the `width` field (the analysis's scaled
 * value): the final loss as the trainer defines it, over the losses up to that step. A run
 * that diverged before the horizon counts as diverged there; after it, as finished.
 */
export function horizonOutcomes(records: readonly RunRecord[], steps: number[]): RunOutcome[] {
  return records.flatMap((r) =>
    steps.map((s) => {
      const upTo = r.losses.slice(0, s);
      const diverged =
        (r.divergedAtStep !== null && r.divergedAtStep <= s) ||
        upTo.length < s ||
        !upTo.every(Number.isFinite);
      return {
        parametrization: r.parametrization,
        width: s,
        seed: r.seed,
        log2Hp: r.log2Hp,
        finalLoss: diverged ? NaN : finalLossOf(upTo),
        diverged,
      };
    }),
  );
}

/** Outcomes of runs trained to each horizon on their own: the horizon (step count) as `width`. */
function separateOutcomes(
  config: SweepConfig,
  full: readonly RunRecord[],
  short: readonly RunRecord[],
): RunOutcome[] {
  const stepsOf = (r: RunRecord) => r.steps ?? config.train.steps;
  return [...short, ...full].map((r) => ({
    ...toOutcomes([r], config.axis)[0],
    width: stepsOf(r),
  }));
}

export interface HorizonAnalysis {
  /** The width (or depth) whose runs are compared across horizons: the widest trained. */
  scaled: number;
  steps: number[];
  /** True when each horizon is runs of its own (cosine), false when read off the histories. */
  separate: boolean;
  /** Per parametrization: optima per horizon (in `optima[i].width`, a step count) and drift. */
  analyses: ParametrizationAnalysis[];
}

export type HorizonResult = { ok: true; horizon: HorizonAnalysis } | { ok: false; reason: string };

/**
 * The horizon analysis of a sweep's runs at its widest trained width (or depth): under a
 * constant schedule from the runs' loss histories, otherwise from the horizon runs (those of
 * planHorizonRuns that have finished) and the sweep's own runs as the full length.
 */
export function horizonAnalysis(
  config: SweepConfig,
  records: readonly RunRecord[],
  horizonRuns: readonly RunRecord[] = [],
): HorizonResult {
  const steps = horizonSteps(config.train.steps);
  if (steps.length < 2) return { ok: false, reason: 'Too few steps to compare horizons.' };
  const scaledOf = (r: RunRecord) => (config.axis === 'depth' ? r.depth : r.width);
  if (records.length === 0) return { ok: false, reason: 'No run has finished yet.' };
  const scaled = Math.max(...records.map(scaledOf));
  const mine = records.filter((r) => scaledOf(r) === scaled);
  const separate = horizonNeedsRuns(config);
  const short = horizonRuns.filter(
    (r) => scaledOf(r) === scaled && r.steps !== undefined && steps.includes(r.steps),
  );
  if (separate && short.length === 0) {
    return {
      ok: false,
      reason:
        'Under a cosine schedule a shorter horizon is not the start of a longer run: each shorter training length needs runs of its own, with its own cosine schedule.',
    };
  }
  const outcomes = separate ? separateOutcomes(config, mine, short) : horizonOutcomes(mine, steps);
  const analyses = config.parametrizations
    .filter((p) => mine.some((r) => r.parametrization === p))
    .map((p) => analyzeParametrization(p, outcomes, { baseWidth: steps[0], axisName: 'steps' }));
  return { ok: true, horizon: { scaled, steps, separate, analyses } };
}
