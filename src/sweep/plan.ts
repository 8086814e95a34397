/**
 * The runs of a sweep and how they are grouped: runs that differ only in the learning rate or
 * the init std (same parametrization, shape and seed) can be stacked and trained together.
 */
import type { MupHyperparams } from '../mup/rules';
import type { GptShape } from '../mup/shapes';
import { scheduleForSteps } from '../train/schedule';
import { hpGrid, scaledValues, shapeFor, type SweepConfig } from './config';
import { runId, type RunSpec } from './types';

/** Every run of the sweep, narrow widths first so the chart fills in early. */
export function planRuns(c: SweepConfig): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const scaled of scaledValues(c)) {
    const width = c.axis === 'width' ? scaled : c.widths[0];
    const depth = c.axis === 'depth' ? scaled : c.model.depth;
    for (const parametrization of c.parametrizations) {
      for (const seed of c.train.seeds) {
        for (const log2Hp of hpGrid(c.sweep)) {
          const spec = { parametrization, width, depth, seed, log2Hp };
          runs.push({ id: runId(spec), ...spec });
        }
      }
    }
  }
  return runs;
}

/** The steps and learning-rate schedule of a run: its own when shorter than the sweep's. */
export function runTraining(c: SweepConfig, run: Pick<RunSpec, 'steps'>) {
  const steps = run.steps ?? c.train.steps;
  return { steps, schedule: scheduleForSteps(c.train.schedule, c.train.steps, steps) };
}

/** The base hyperparameters with the swept one set for this run. */
export function hpOf(c: SweepConfig, log2Hp: number): MupHyperparams {
  return { ...c.hp, [c.sweep.name]: 2 ** log2Hp };
}

export function baseShapeOf(c: SweepConfig, vocab: number): GptShape {
  return shapeFor(c, c.baseWidth, c.baseDepth, vocab);
}

export function runShapeOf(
  c: SweepConfig,
  run: Pick<RunSpec, 'width' | 'depth'>,
  vocab: number,
): GptShape {
  return shapeFor(c, run.width, run.depth, vocab);
}

/**
 * Groups runs into stacks of at most `c.train.stack` that can share one model: same
 * parametrization, shape, seed and step count, a stackable swept hyperparameter, and batch × context a
 * multiple of 64 (per-run activation rows must be bindable on their own).
 */
export function stacksOf(c: SweepConfig, runs: RunSpec[]): RunSpec[][] {
  const stackable =
    (c.sweep.name === 'lr' || c.sweep.name === 'initStd') &&
    (c.train.batch * c.model.context) % 64 === 0;
  const size = stackable ? c.train.stack : 1;
  const stacks: RunSpec[][] = [];
  const key = (r: RunSpec) => `${r.parametrization}:${r.width}:${r.depth}:${r.seed}:${r.steps}`;
  for (const run of runs) {
    const last = stacks[stacks.length - 1];
    if (last && last.length < size && key(last[0]) === key(run)) last.push(run);
    else stacks.push([run]);
  }
  return stacks;
}
