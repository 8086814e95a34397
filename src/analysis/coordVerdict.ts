/**
 * The coordinate check's verdict: for each parametrization and layer type, the log-log slope of
 * the mean |activation| against width at the last recorded step (least squares over the widths,
 * seeds averaged). Under µP every slope is ≈ 0; under SP the readout logits (and with Adam the
 * hidden activations) grow like a power of the width.
 *
 * CoordRecord and CoordLayer are the types of ENGINE-API.md (src/sweep/coord.ts); they are
 * declared here so this pure module depends on nothing but the parametrization table (a leaf),
 * and coord.ts can import them from here.
 */
import { PARAMETRIZATION_LABELS, type Parametrization } from '../mup/parametrizations';

export type CoordLayer =
  'embedding' | 'attnLogits' | 'attnOutput' | 'mlpOutput' | 'blockOutput' | 'readoutLogits';

export interface CoordRecord {
  parametrization: Parametrization;
  /** The scaled value: the width, or the depth in a check across depths. */
  width: number;
  step: number;
  layer: CoordLayer;
  meanAbs: number;
}

export const COORD_LAYERS: readonly CoordLayer[] = [
  'embedding',
  'attnLogits',
  'attnOutput',
  'mlpOutput',
  'blockOutput',
  'readoutLogits',
];

export const COORD_LAYER_LABELS: Record<CoordLayer, string> = {
  embedding: 'embedding',
  attnLogits: 'attention logits',
  attnOutput: 'attention output',
  mlpOutput: 'MLP output',
  blockOutput: 'block output',
  readoutLogits: 'readout logits',
};

/** |slope| above this counts as growing (or shrinking) with width. */
export const FLAT_SLOPE = 0.25;

export interface CoordSlope {
  parametrization: Parametrization;
  layer: CoordLayer;
  /** d log(meanAbs) / d log(width) at the last step; NaN with fewer than two usable widths. */
  slope: number;
  grows: boolean;
  shrinks: boolean;
  /** The step the slope was taken at. */
  step: number;
  /** Widths that had a positive, finite value. */
  widths: number[];
}

/** Least-squares slope of y against x; NaN with fewer than two distinct x. */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2 || new Set(xs).size < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * Mean |activation| per width for one parametrization, layer and step (seeds or duplicates
 * averaged); values that are not positive and finite are left out (a log scale cannot show them).
 */
export function coordSeries(
  records: readonly CoordRecord[],
  parametrization: Parametrization,
  layer: CoordLayer,
  step: number,
): Array<{ width: number; meanAbs: number }> {
  const sums = new Map<number, { sum: number; n: number }>();
  for (const r of records) {
    if (r.parametrization !== parametrization || r.layer !== layer || r.step !== step) continue;
    if (!(Number.isFinite(r.meanAbs) && r.meanAbs > 0 && r.width > 0)) continue;
    const s = sums.get(r.width) ?? { sum: 0, n: 0 };
    s.sum += r.meanAbs;
    s.n += 1;
    sums.set(r.width, s);
  }
  return [...sums.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([width, s]) => ({ width, meanAbs: s.sum / s.n }));
}

/** The steps present in the records, ascending. */
export function coordSteps(records: readonly CoordRecord[]): number[] {
  return [...new Set(records.map((r) => r.step))].sort((a, b) => a - b);
}

/** Per parametrization (sp, then mup) and layer: the log-log slope at the last step. */
export function coordVerdict(
  records: readonly CoordRecord[],
  opts: { threshold?: number } = {},
): CoordSlope[] {
  const threshold = opts.threshold ?? FLAT_SLOPE;
  const out: CoordSlope[] = [];
  const params = [...new Set(records.map((r) => r.parametrization))].sort();
  for (const p of params) {
    const mine = records.filter((r) => r.parametrization === p);
    const steps = coordSteps(mine);
    if (steps.length === 0) continue;
    const step = steps[steps.length - 1];
    for (const layer of COORD_LAYERS) {
      if (!mine.some((r) => r.layer === layer)) continue;
      const series = coordSeries(mine, p, layer, step);
      const slope = leastSquaresSlope(
        series.map((s) => Math.log(s.width)),
        series.map((s) => Math.log(s.meanAbs)),
      );
      out.push({
        parametrization: p,
        layer,
        slope,
        grows: slope > threshold,
        shrinks: slope < -threshold,
        step,
        widths: series.map((s) => s.width),
      });
    }
  }
  return out;
}

/** 0.05, 0.9, -0.5: two decimals below 0.1 in size, one above. */
export function formatSlope(x: number): string {
  const s = Math.abs(x) < 0.095 ? x.toFixed(2) : x.toFixed(1);
  return s === '-0.00' || s === '-0.0' ? s.slice(1) : s;
}

/**
 * One line per parametrization, e.g. "µP: all layers flat (max slope 0.05)" or
 * "SP: readout logits grow ∝ width^0.9, attention logits ∝ width^0.5".
 */
export function coordVerdictLines(
  records: readonly CoordRecord[],
  opts: { threshold?: number; axisName?: string } = {},
): Array<{ parametrization: Parametrization; ok: boolean; text: string }> {
  const axis = opts.axisName ?? 'width';
  const slopes = coordVerdict(records, opts);
  const params = [...new Set(slopes.map((s) => s.parametrization))];
  return params.map((p) => {
    const label = PARAMETRIZATION_LABELS[p];
    const mine = slopes.filter((s) => s.parametrization === p);
    const usable = mine.filter((s) => Number.isFinite(s.slope));
    if (usable.length === 0) {
      return { parametrization: p, ok: false, text: `${label}: not enough ${axis}s to judge` };
    }
    const byMagnitude = (a: CoordSlope, b: CoordSlope) => Math.abs(b.slope) - Math.abs(a.slope);
    const grow = usable.filter((s) => s.grows).sort(byMagnitude);
    const shrink = usable.filter((s) => s.shrinks).sort(byMagnitude);
    const parts: string[] = [];
    // "readout logits grow ∝ width^0.9, attention output ∝ width^0.5": the verb agrees with the
    // first (largest) layer's label.
    const phrase = (list: CoordSlope[], verb: string) =>
      list
        .map((s, i) => {
          const name = COORD_LAYER_LABELS[s.layer];
          const v = i > 0 ? '' : name.endsWith('s') ? `${verb} ` : `${verb}s `;
          return `${name} ${v}∝ ${axis}^${formatSlope(s.slope)}`;
        })
        .join(', ');
    if (grow.length > 0) parts.push(phrase(grow, 'grow'));
    if (shrink.length > 0) parts.push(phrase(shrink, 'shrink'));
    if (parts.length === 0) {
      const max = Math.max(...usable.map((s) => Math.abs(s.slope)));
      const missing = mine.length - usable.length;
      return {
        parametrization: p,
        ok: true,
        text:
          `${label}: all layers flat (max slope ${formatSlope(max)})` +
          (missing > 0 ? `; ${missing} layer(s) without data` : ''),
      };
    }
    // µP only promises that nothing grows; a shrinking layer (e.g. attention logits with a
    // fixed head count, whose head size grows) is not a failure.
    const text = `${label}: ${grow.length === 0 ? `no layer blows up with ${axis}; ` : ''}${parts.join('; ')}`;
    return { parametrization: p, ok: grow.length === 0, text };
  });
}
