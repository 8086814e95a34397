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

/** Training FLOPs of one finished run of a config. */
export function runFlops(c: SweepConfig, r: RunRecord, vocab: number): number {
  const steps = r.diverged && r.divergedAtStep !== null ? r.divergedAtStep : c.train.steps;
  return 6 * paramsOf(c, r.width, r.depth, vocab) * steps * c.train.batch * c.model.context;
}

/** FLOP/s achieved by the finished runs (undefined until enough was measured). */
export function measuredFlopsPerSec(
  c: SweepConfig,
  records: RunRecord[],
  vocab: number,
): number | undefined {
  let work = 0;
  let millis = 0;
  for (const r of records) {
    const f = runFlops(c, r, vocab);
    if (Number.isFinite(f) && r.millis > 0) {
      work += f;
      millis += r.millis;
    }
  }
  return millis > 200 && work > 0 ? work / (millis / 1000) : undefined;
}
