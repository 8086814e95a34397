/** What a sweep costs: FLOPs ≈ 6 × parameters × tokens per run, summed over the runs. */
import { parameterCount } from '../../src/mup/shapes';
import { hpGrid, shapeFor, type SweepConfig } from '../../src/sweep/config';
import type { RunRecord } from '../../src/sweep/types';

export interface SweepEstimate {
  runs: number;
  tokensPerRun: number;
  /** Total training FLOPs of all runs (forward + backward ≈ 6 · N · tokens). */
  flops: number;
  /** Parameters of the smallest and the largest model trained. */
  minParams: number;
  maxParams: number;
}

export function tokensPerRun(c: SweepConfig): number {
  return c.train.steps * c.train.batch * c.model.context;
}

export function paramsOf(c: SweepConfig, width: number, depth: number, vocab: number): number {
  try {
    return parameterCount(shapeFor(c, width, depth, vocab));
  } catch {
    return NaN;
  }
}

/** Undefined when the config cannot be costed (invalid sizes). */
export function estimateSweep(c: SweepConfig, vocab: number): SweepEstimate | undefined {
  const shapes =
    c.axis === 'width'
      ? c.widths.map((w) => ({ width: w, depth: c.model.depth }))
      : c.depths.map((d) => ({ width: c.widths[0], depth: d }));
  const perShape = c.parametrizations.length * hpGrid(c.sweep).length * c.train.seeds.length;
  const tokens = tokensPerRun(c);
  const params = shapes.map((s) => paramsOf(c, s.width, s.depth, vocab));
  if (params.length === 0 || params.some((p) => !Number.isFinite(p)) || !(tokens > 0)) {
    return undefined;
  }
  const flops = params.reduce((sum, p) => sum + 6 * p * tokens * perShape, 0);
  return {
    runs: shapes.length * perShape,
    tokensPerRun: tokens,
    flops,
    minParams: Math.min(...params),
    maxParams: Math.max(...params),
  };
}

/**
 * Measured cost of one training step of one run: wall time per step at a model whose step
 * costs `flopsPerStep`. A sweep's own runs give one per shape (wall-clock time between finished
 * runs, so compilation and every gap between stacks count); the GPU benchmark gives one per
 * width it trained.
 */
export interface StepRate {
  flopsPerStep: number;
  secondsPerStep: number;
  /**
   * Seconds a run costs besides its steps (model set-up, validation, saving, the page's work),
   * where measured: for a small model this is most of its time.
   */
  runSeconds?: number;
  source: 'sweep' | 'benchmark';
}

/** Training FLOPs of one step of one run at this shape (forward + backward ≈ 6 · N · tokens). */
export function stepFlops(c: SweepConfig, width: number, depth: number, vocab: number): number {
  return 6 * paramsOf(c, width, depth, vocab) * c.train.batch * c.model.context;
}

/**
 * Seconds per step at a step of `flopsPerStep`, from the measured rates: between two
 * measurements, log-log interpolation; below the smallest, the log-log slope of the two smallest
 * held to [0, 1] (a GPU's small steps are bound by a fixed cost: slope near 0; a CPU adapter's
 * still shrink with their FLOPs), or the smallest's time when it is the only one; above the
 * largest, in proportion to the FLOPs (a large model's step is compute bound). Undefined without
 * a usable rate.
 */
export function secondsPerStepAt(rates: StepRate[], flopsPerStep: number): number | undefined {
  const usable = rates
    .filter(
      (r) =>
        Number.isFinite(r.flopsPerStep) &&
        r.flopsPerStep > 0 &&
        Number.isFinite(r.secondsPerStep) &&
        r.secondsPerStep > 0,
    )
    .sort((a, b) => a.flopsPerStep - b.flopsPerStep);
  if (usable.length === 0 || !(flopsPerStep > 0)) return undefined;
  const first = usable[0];
  const last = usable[usable.length - 1];
  if (flopsPerStep <= first.flopsPerStep) {
    if (usable.length === 1) return first.secondsPerStep;
    const next = usable[1];
    const slope =
      Math.log(next.secondsPerStep / first.secondsPerStep) /
      Math.log(next.flopsPerStep / first.flopsPerStep);
    const held = Number.isFinite(slope) ? Math.min(1, Math.max(0, slope)) : 0;
    return first.secondsPerStep * (flopsPerStep / first.flopsPerStep) ** held;
  }
  if (flopsPerStep >= last.flopsPerStep)
    return (last.secondsPerStep * flopsPerStep) / last.flopsPerStep;
  const i = usable.findIndex((r) => r.flopsPerStep >= flopsPerStep);
  const a = usable[i - 1];
  const b = usable[i];
  const t = Math.log(flopsPerStep / a.flopsPerStep) / Math.log(b.flopsPerStep / a.flopsPerStep);
  return Math.exp(Math.log(a.secondsPerStep) + t * Math.log(b.secondsPerStep / a.secondsPerStep));
}

/** The per-run seconds measured nearest (in log FLOPs per step) to this step; 0 if none. */
export function runSecondsAt(rates: StepRate[], flopsPerStep: number): number {
  let best: StepRate | undefined;
  for (const r of rates) {
    if (r.runSeconds === undefined || !(r.runSeconds >= 0) || !(r.flopsPerStep > 0)) continue;
    const d = Math.abs(Math.log(r.flopsPerStep / flopsPerStep));
    if (!best || d < Math.abs(Math.log(best.flopsPerStep / flopsPerStep))) best = r;
  }
  return best?.runSeconds ?? 0;
}

/** The shapes a config trains, each with its number of runs. */
function shapesOf(c: SweepConfig): Array<{ width: number; depth: number; runs: number }> {
  const perShape = c.parametrizations.length * hpGrid(c.sweep).length * c.train.seeds.length;
  return c.axis === 'width'
    ? c.widths.map((w) => ({ width: w, depth: c.model.depth, runs: perShape }))
    : c.depths.map((d) => ({ width: c.widths[0], depth: d, runs: perShape }));
}

/**
 * Finished runs per shape ("WxD"), counted once per records list: the progress bar asks on every
 * store update, and the list only changes when runs finish.
 */
const finishedCounts = new WeakMap<object, Map<string, number>>();
function finishedByShape(done: Array<Pick<RunRecord, 'width' | 'depth'>>): Map<string, number> {
  let counts = finishedCounts.get(done);
  if (!counts) {
    counts = new Map();
    for (const r of done) {
      const key = `${r.width}x${r.depth}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    finishedCounts.set(done, counts);
  }
  return counts;
}

/** Seconds `runs` runs of each shape take at the measured rates; undefined without a rate. */
function secondsForShapes(
  c: SweepConfig,
  vocab: number,
  rates: StepRate[],
  shapes: Iterable<{ width: number; depth: number; runs: number }>,
): number | undefined {
  let seconds = 0;
  for (const shape of shapes) {
    if (shape.runs <= 0) continue;
    const flops = stepFlops(c, shape.width, shape.depth, vocab);
    const perStep = secondsPerStepAt(rates, flops);
    if (perStep === undefined) return undefined;
    seconds += shape.runs * (c.train.steps * perStep + runSecondsAt(rates, flops));
  }
  return Number.isFinite(seconds) ? seconds : undefined;
}

/**
 * Seconds the sweep (or, with `done`, what is left of it) takes at the measured rates: the one
 * estimate of the form, the benchmark panel, the progress bar and the long-sweep confirmation.
 * Undefined without rates or when the config cannot be costed.
 */
export function estimateSeconds(
  c: SweepConfig,
  vocab: number,
  rates: StepRate[],
  done: Array<Pick<RunRecord, 'width' | 'depth'>> = [],
): number | undefined {
  const finishedOf = finishedByShape(done);
  return secondsForShapes(
    c,
    vocab,
    rates,
    shapesOf(c).map((s) => ({
      ...s,
      runs: Math.max(0, s.runs - (finishedOf.get(`${s.width}x${s.depth}`) ?? 0)),
    })),
  );
}

/**
 * Seconds a list of planned runs takes (e.g. a verification at the target width) with the
 * sweep's model and training settings, at the same rates as `estimateSeconds`.
 */
export function estimateRunsSeconds(
  c: SweepConfig,
  vocab: number,
  rates: StepRate[],
  runs: ReadonlyArray<Pick<RunRecord, 'width' | 'depth'>>,
): number | undefined {
  const shapes = new Map<string, { width: number; depth: number; runs: number }>();
  for (const r of runs) {
    const key = `${r.width}x${r.depth}`;
    const shape = shapes.get(key) ?? { width: r.width, depth: r.depth, runs: 0 };
    shape.runs += 1;
    shapes.set(key, shape);
  }
  return secondsForShapes(c, vocab, rates, shapes.values());
}

/**
 * One rate per shape from a sweep's finished runs (in the order they finished) and the
 * wall-clock seconds each took (`wallSeconds` by run id; runs without one are left out): the
 * step time from the trainer's own loop time (`millis`, shared by the runs of a stack), the rest
 * of the wall time as per-run seconds. The first run of a shape carries one-time costs (kernel
 * tuning, pipeline compilation): once the shape has more runs it is left out.
 */
export function sweepRates(
  c: SweepConfig,
  records: RunRecord[],
  vocab: number,
  wallSeconds: ReadonlyMap<string, number>,
): StepRate[] {
  const byShape = new Map<string, { width: number; depth: number; runs: RunRecord[] }>();
  for (const r of records) {
    const wall = wallSeconds.get(r.id);
    if (wall === undefined || !(wall >= 0)) continue;
    const key = `${r.width}x${r.depth}`;
    const entry = byShape.get(key) ?? { width: r.width, depth: r.depth, runs: [] };
    entry.runs.push(r);
    byShape.set(key, entry);
  }
  // The runs of a stack trained together: same parametrization, shape and seed, one loop time.
  const stackOf = (r: RunRecord) =>
    `${r.parametrization}:${r.width}:${r.depth}:${r.seed}:${r.millis}`;
  const stackSizes = new Map<string, number>();
  for (const r of records) stackSizes.set(stackOf(r), (stackSizes.get(stackOf(r)) ?? 0) + 1);
  const rates: StepRate[] = [];
  for (const { width, depth, runs } of byShape.values()) {
    const steady = runs.length > 1 ? runs.slice(1) : runs;
    let wall = 0;
    let loop = 0;
    let steps = 0;
    for (const r of steady) {
      wall += wallSeconds.get(r.id)!;
      const k = c.train.stack > 1 ? (stackSizes.get(stackOf(r)) ?? 1) : 1;
      loop += r.millis / 1000 / k;
      steps += r.diverged && r.divergedAtStep !== null ? r.divergedAtStep : c.train.steps;
    }
    loop = Math.min(loop, wall);
    const flopsPerStep = stepFlops(c, width, depth, vocab);
    if (wall > 0 && steps > 0 && Number.isFinite(flopsPerStep)) {
      rates.push({
        flopsPerStep,
        // A loop too short to time (0 ms) leaves the whole wall time to the steps.
        secondsPerStep: (loop > 0 ? loop : wall) / steps,
        runSeconds: loop > 0 ? (wall - loop) / steady.length : 0,
        source: 'sweep',
      });
    }
  }
  return rates;
}

/**
 * The rates to keep after a new measurement: the new ones, the old ones that no new one of the
 * same source covers (within a factor 2 in FLOPs per step), and of those, a sweep's own (its real
 * runs, with every overhead) win over the benchmark's wherever both measured about the same step.
 */
export function mergeRates(old: StepRate[], fresh: StepRate[]): StepRate[] {
  const near = (a: StepRate, b: StepRate) =>
    Math.abs(Math.log2(a.flopsPerStep / b.flopsPerStep)) <= 1;
  const all = [
    ...fresh,
    ...old.filter((r) => !fresh.some((f) => f.source === r.source && near(f, r))),
  ];
  const sweep = all.filter((r) => r.source === 'sweep');
  return [
    ...sweep,
    ...all.filter((r) => r.source === 'benchmark' && !sweep.some((s) => near(s, r))),
  ];
}
