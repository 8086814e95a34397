/**
 * The Runs view's pure parts: which runs a filter keeps, each run's loss curve as one SVG path
 * in data coordinates (cached per record, so new runs or a new y range redraw nothing else), and
 * the plot's y range.
 */
import type { Parametrization } from '../../src/mup/rules';
import { hpGrid, scaledValues, type SweepConfig } from '../../src/sweep/config';
import type { RunRecord } from '../../src/sweep/types';
import { yRange, type YRange } from './figureScale';

/** The values shown of each dimension of the grid (a run is drawn when all four hold it). */
export interface RunsFilter {
  parametrizations: Parametrization[];
  /** Widths, or depths in a depth sweep. */
  scaled: number[];
  log2s: number[];
  seeds: number[];
}

/** Every value of the config's grid: the filter that shows every run. */
export function fullFilter(c: SweepConfig): RunsFilter {
  return {
    parametrizations: [...c.parametrizations],
    scaled: scaledValues(c),
    log2s: hpGrid(c.sweep),
    seeds: [...c.train.seeds],
  };
}

/** The filter showing the runs of one grid value of one parametrization (a clicked point). */
export function pointFilter(c: SweepConfig, p: Parametrization, log2: number): RunsFilter {
  return { ...fullFilter(c), parametrizations: [p], log2s: [log2] };
}

export function scaledOfRun(c: Pick<SweepConfig, 'axis'>, r: RunRecord): number {
  return c.axis === 'depth' ? r.depth : r.width;
}

/** The runs the filter keeps, in the records' order. */
export function filterRuns(
  c: Pick<SweepConfig, 'axis'>,
  records: readonly RunRecord[],
  f: RunsFilter,
): RunRecord[] {
  const ps = new Set<string>(f.parametrizations);
  const scaled = new Set(f.scaled);
  const log2s = new Set(f.log2s);
  const seeds = new Set(f.seeds);
  return records.filter(
    (r) =>
      ps.has(r.parametrization) &&
      scaled.has(scaledOfRun(c, r)) &&
      log2s.has(r.log2Hp) &&
      seeds.has(r.seed),
  );
}

/** Most points of one drawn curve: more than the plot has pixels across adds nothing. */
export const MAX_CURVE_POINTS = 400;

/**
 * A loss curve as an SVG path in data coordinates (x: step from 1, y: loss), up to its first
 * non-finite value; every k-th step when longer than `maxPoints`, always with its last step.
 * Empty when there is nothing to draw.
 */
export function curvePath(losses: readonly number[], maxPoints = MAX_CURVE_POINTS): string {
  const end = losses.findIndex((x) => !Number.isFinite(x));
  const n = end < 0 ? losses.length : end;
  if (n === 0) return '';
  const every = Math.max(1, Math.ceil(n / maxPoints));
  const parts: string[] = [];
  for (let i = 0; i < n; i += every) parts.push(`${i + 1} ${num(losses[i])}`);
  if ((n - 1) % every !== 0) parts.push(`${n} ${num(losses[n - 1])}`);
  return `M${parts.join('L')}`;
}

function num(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

const paths = new WeakMap<RunRecord, string>();

/** curvePath of a record, computed once per record object. */
export function runPath(r: RunRecord): string {
  let d = paths.get(r);
  if (d === undefined) {
    d = curvePath(r.losses);
    paths.set(r, d);
  }
  return d;
}

/**
 * The y range of the drawn curves: from the lowest loss (training or validation) to the highest
 * first-step loss (an untrained model, about ln vocab), so that a blow-up later in a run does not
 * flatten the others; the part of a curve above it is cut off at the plot's edge.
 */
export function runsYRange(runs: readonly RunRecord[]): YRange | undefined {
  const firsts: number[] = [];
  let lowest = Infinity;
  for (const r of runs) {
    const first = r.losses[0];
    if (Number.isFinite(first)) firsts.push(first);
    for (const x of r.losses) if (Number.isFinite(x) && x < lowest) lowest = x;
    if (r.valLoss !== null && Number.isFinite(r.valLoss) && r.valLoss < lowest) lowest = r.valLoss;
  }
  if (firsts.length === 0) return undefined;
  return yRange({ losses: [Math.min(lowest, ...firsts), ...firsts] }, { clip: false });
}

/** "12 of 84 runs shown · 3 diverged" */
export function shownLine(shown: readonly RunRecord[], total: number): string {
  const diverged = shown.filter((r) => r.diverged).length;
  return `${shown.length} of ${total} run${total === 1 ? '' : 's'} shown${diverged > 0 ? ` · ${diverged} diverged (×: where)` : ''}`;
}
