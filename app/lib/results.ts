/** From run records to what the transfer charts draw: one series per width, optimum, verdict. */
import type { Parametrization } from '../../src/mup/rules';
import {
  analyzeSweep,
  type ParametrizationAnalysis,
  type WidthOptimum,
} from '../../src/analysis/analysis';
import { hpGrid, scaledValues, type SweepConfig } from '../../src/sweep/config';
import { mean, sampleSd } from '../../src/analysis/stats';
import { toOutcomes } from '../../src/analysis/outcomes';
import type { RunRecord, RunSpec } from '../../src/sweep/types';
import { sequentialColor } from './figureScale';

/**
 * The colour of the index-th of `count` ordered widths (narrow dark, wide light: a sequential
 * viridis scale, as in Tensor Programs V, Fig. 1).
 */
export function seriesColor(index: number, count = 8): string {
  const dark =
    typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  return sequentialColor(index, Math.max(count, index + 1), dark);
}

/** The scaled value of a run: its width, or its depth in a depth sweep. */
export function scaledOf(c: SweepConfig, r: Pick<RunSpec, 'width' | 'depth'>): number {
  return c.axis === 'depth' ? r.depth : r.width;
}

/** The width (depth, in a depth sweep) whose optimum is transferred. */
export function baseScaleOf(c: SweepConfig): number {
  return c.axis === 'depth' ? c.baseDepth : c.baseWidth;
}

export function scaledName(c: SweepConfig): 'width' | 'depth' {
  return c.axis;
}

export interface Cell {
  log2: number;
  /** Seed-mean final loss of the runs that did not diverge; null when none finished that way. */
  loss: number | null;
  /** Every finished seed diverged. */
  diverged: boolean;
  /** Earliest divergence step among the seeds (for the tooltip). */
  divergedAtStep: number | null;
  /** Seeds finished at this point. */
  seeds: number;
  /** Seed-to-seed standard deviation of the loss (null with fewer than two finished seeds). */
  sd: number | null;
}

export interface Series {
  scaled: number;
  color: string;
  cells: Cell[];
  optimum?: WidthOptimum;
}

export interface ChartModel {
  parametrization: Parametrization;
  series: Series[];
  analysis?: ParametrizationAnalysis;
  grid: number[];
  finished: number;
}

function cellsOf(grid: number[], runs: RunRecord[]): Cell[] {
  const cells: Cell[] = [];
  for (const log2 of grid) {
    const here = runs.filter((r) => r.log2Hp === log2);
    if (here.length === 0) continue;
    const ok = here.filter((r) => !r.diverged && r.finalLoss !== null);
    const steps = here
      .filter((r) => r.diverged)
      .map((r) => r.divergedAtStep)
      .filter((s): s is number => s !== null);
    const losses = ok.map((r) => r.finalLoss ?? 0);
    cells.push({
      log2,
      loss: ok.length ? mean(losses) : null,
      sd: ok.length >= 2 ? sampleSd(losses) : null,
      diverged: ok.length === 0,
      divergedAtStep: steps.length ? Math.min(...steps) : null,
      seeds: here.length,
    });
  }
  return cells;
}

/** One chart per parametrization of the config, in the config's order. */
export function buildCharts(c: SweepConfig, records: RunRecord[]): ChartModel[] {
  const grid = hpGrid(c.sweep);
  const analyses = analyzeSweep(toOutcomes(records, c.axis), {
    baseWidth: baseScaleOf(c),
    axisName: c.axis,
  });
  return c.parametrizations.map((p) => {
    const mine = records.filter((r) => r.parametrization === p);
    const analysis = analyses.find((a) => a.parametrization === p);
    const scales = scaledValues(c);
    const series = scales.map((scaled, i) => ({
      scaled,
      color: seriesColor(i, scales.length),
      cells: cellsOf(
        grid,
        mine.filter((r) => scaledOf(c, r) === scaled),
      ),
      optimum: analysis?.optima.find((o) => o.width === scaled),
    }));
    return { parametrization: p, series, analysis, grid, finished: mine.length };
  });
}

export interface LossAxis {
  domain: [number, number];
  ticks: number[];
  /** Linear unless stated (the transfer charts' log-y toggle). */
  scale?: 'linear' | 'log';
}

/** A round tick step giving about five ticks over `span`. */
function tickStep(span: number): number {
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
}

/**
 * The y axis shared by every chart: all finite seed-mean losses, with round ticks and a band
 * at the top for the "diverged" markers.
 */
export function lossAxis(charts: ChartModel[], extra: number[] = []): LossAxis | undefined {
  const losses = [
    ...charts.flatMap((ch) =>
      ch.series.flatMap((s) =>
        s.cells.flatMap((c) =>
          c.loss === null ? [] : [c.loss - (c.sd ?? 0), c.loss + (c.sd ?? 0)],
        ),
      ),
    ),
    ...extra.filter((l) => Number.isFinite(l)),
  ];
  if (losses.length === 0) return undefined;
  const lo = Math.min(...losses);
  const hi = Math.max(...losses);
  const step = tickStep(Math.max(hi - lo, 0.05) * 1.15);
  const min = Math.max(0, Math.floor((lo - step * 0.25) / step) * step);
  const max = Math.ceil((hi + step * 0.6) / step) * step;
  const ticks: number[] = [];
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Number(t.toFixed(6)));
  return { domain: [min, max], ticks };
}
