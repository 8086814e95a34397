/**
 * Transfer across training length (the horizon): does the best learning rate move when the
 * same model trains for fewer or more steps? Under a constant schedule a run's loss history
 * already holds the answer for every shorter horizon (the first s steps of a T-step run are an
 * s-step run), so the lab reads the final loss at several step counts off the same runs and
 * analyzes them like widths: one curve per horizon, its optimum with the bootstrap over seeds,
 * and the drift per doubling of the training length. Under a cosine schedule the first s steps
 * of a T-step run are not an s-step run (the learning rate has not decayed yet): that needs
 * separate sweeps, and horizonAnalysis() refuses it.
 */
import { finalLossOf } from '../train/trainer';
import { analyzeParametrization, type ParametrizationAnalysis, type RunOutcome } from './analysis';
import type { SweepConfig } from './config';
import type { RunRecord } from './types';

/** Step counts to compare: a quarter, half and all of the run (distinct, at least 2 steps). */
export function horizonSteps(totalSteps: number): number[] {
  const steps = [Math.round(totalSteps / 4), Math.round(totalSteps / 2), totalSteps];
  return [...new Set(steps.filter((s) => s >= 2))];
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

export interface HorizonAnalysis {
  /** The width (or depth) whose runs are compared across horizons: the widest trained. */
  scaled: number;
  steps: number[];
  /** Per parametrization: optima per horizon (in `optima[i].width`, a step count) and drift. */
  analyses: ParametrizationAnalysis[];
}

export type HorizonResult = { ok: true; horizon: HorizonAnalysis } | { ok: false; reason: string };

/** The horizon analysis of a sweep's runs at its widest trained width (or depth). */
export function horizonAnalysis(config: SweepConfig, records: readonly RunRecord[]): HorizonResult {
  if (config.train.schedule.kind !== 'constant') {
    return {
      ok: false,
      reason:
        'Under a cosine schedule a shorter horizon is not the start of a longer run: sweep each training length separately (same config, fewer steps).',
    };
  }
  const steps = horizonSteps(config.train.steps);
  if (steps.length < 2) return { ok: false, reason: 'Too few steps to compare horizons.' };
  const scaledOf = (r: RunRecord) => (config.axis === 'depth' ? r.depth : r.width);
  if (records.length === 0) return { ok: false, reason: 'No run has finished yet.' };
  const scaled = Math.max(...records.map(scaledOf));
  const mine = records.filter((r) => scaledOf(r) === scaled);
  const outcomes = horizonOutcomes(mine, steps);
  const analyses = config.parametrizations
    .filter((p) => mine.some((r) => r.parametrization === p))
    .map((p) => analyzeParametrization(p, outcomes, { baseWidth: steps[0], axisName: 'steps' }));
  return { ok: true, horizon: { scaled, steps, analyses } };
}
