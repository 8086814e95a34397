/**
 * Small statistics for sweep analysis: mean and sample standard deviation, a least-squares
 * parabola's vertex, a (weighted) least-squares slope with its standard error, and a seeded
 * bootstrap resampler so that uncertainties repeat exactly for the same runs.
 */
import { Rng } from '../util/random';

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** y = a·(x − x0)² + b·(x − x0) + c, x0 the mean of the fitted xs (for conditioning). */
export interface Parabola {
  a: number;
  b: number;
  c: number;
  x0: number;
}

/** The least-squares parabola through the points (at least three distinct x), convex or not. */
export function lsqParabola(xs: readonly number[], ys: readonly number[]): Parabola | undefined {
  if (xs.length < 3 || new Set(xs).size < 3) return undefined;
  // Centre x for conditioning; normal equations of the 3x3 system, solved by Cramer's rule.
  const x0 = mean(xs);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0; // prettier-ignore
  xs.forEach((xRaw, i) => {
    const x = xRaw - x0;
    const y = ys[i];
    s0 += 1;
    s1 += x;
    s2 += x * x;
    s3 += x ** 3;
    s4 += x ** 4;
    t0 += y;
    t1 += x * y;
    t2 += x * x * y;
  });
  const det3 = (m: number[][]) =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  // Unknowns (a, b, c): rows are the normal equations for x², x, 1.
  const A = [
    [s4, s3, s2],
    [s3, s2, s1],
    [s2, s1, s0],
  ];
  const rhs = [t2, t1, t0];
  const d = det3(A);
  if (!(Math.abs(d) > 0)) return undefined;
  const withColumn = (j: number) => A.map((row, i) => row.map((v, k) => (k === j ? rhs[i] : v)));
  const a = det3(withColumn(0)) / d;
  const b = det3(withColumn(1)) / d;
  const c = det3(withColumn(2)) / d;
  return { a, b, c, x0 };
}

/** The least-squares parabola's value at x. */
export function parabolaAt(p: Parabola, x: number): number {
  const t = x - p.x0;
  return p.a * t * t + p.b * t + p.c;
}

/**
 * Vertex of the least-squares parabola y = a x² + b x + c through the points, when at least
 * three distinct x are given and the parabola is convex (a > 0); undefined otherwise.
 */
export function lsqParabolaVertex(
  xs: readonly number[],
  ys: readonly number[],
): number | undefined {
  const p = lsqParabola(xs, ys);
  if (!p || !(p.a > 0)) return undefined;
  return p.x0 - p.b / (2 * p.a);
}

export interface SlopeFit {
  slope: number;
  /** Standard error of the slope from the residuals (NaN with fewer than three points). */
  se: number;
}

/** Ordinary least-squares slope of y on x, with its standard error. */
export function lsqSlope(xs: readonly number[], ys: readonly number[]): SlopeFit {
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  xs.forEach((x, i) => {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (ys[i] - my);
  });
  const slope = sxy / sxx;
  if (xs.length < 3) return { slope, se: NaN };
  const rss = xs.reduce((a, x, i) => a + (ys[i] - my - slope * (x - mx)) ** 2, 0);
  return { slope, se: Math.sqrt(rss / (xs.length - 2) / sxx) };
}

/**
 * Bootstrap over seeds: `replicates` resamplings, each drawing, independently for every key
 * (one grid point of one width), as many values with replacement as the key has. Seeded, so
 * the result depends only on the data and `seed`.
 */
export function bootstrapDraws<K>(
  groups: ReadonlyMap<K, readonly number[]>,
  replicates: number,
  seed = 0,
): Array<Map<K, number[]>> {
  const rng = new Rng(seed);
  const out: Array<Map<K, number[]>> = [];
  for (let r = 0; r < replicates; r++) {
    const draw = new Map<K, number[]>();
    for (const [key, values] of groups) {
      draw.set(
        key,
        values.map(() => values[rng.int(values.length)]),
      );
    }
    out.push(draw);
  }
  return out;
}
