/**
 * Sweep analysis: per parametrization and width, the loss curve over the swept hyperparameter
 * (seed mean and spread), the grid optimum and a sub-grid estimate (a least-squares parabola in
 * log2 space through the best point and up to two neighbours each side), its uncertainty from a
 * seeded bootstrap over seeds, and the transfer metrics: the drift of the optimum per doubling
 * of the width (slope of the optimum against log2 width, in octaves) and the transfer penalty
 * (the loss lost at the widest width by using the base width's optimum there).
 */
import { bootstrapDraws, lsqParabolaVertex, lsqSlope, mean, sampleSd } from './stats';

export interface RunOutcome {
  parametrization: string;
  /** The scaled dimension: width, or depth for depth transfer. */
  width: number;
  seed: number;
  /** log2 of the swept hyperparameter's value. */
  log2Hp: number;
  /** Mean training loss over the last steps; NaN when diverged. */
  finalLoss: number;
  diverged: boolean;
}

export interface CurvePoint {
  log2: number;
  /** Mean loss over the seeds that did not diverge (NaN when all diverged). */
  loss: number;
  /** Sample standard deviation of those seeds' losses (0 with one seed). */
  sd: number;
  /** Number of seeds that did not diverge. */
  n: number;
  diverged: boolean;
}

export interface WidthOptimum {
  width: number;
  /** log2 of the best grid value (lowest seed-mean loss among non-diverged points). */
  gridLog2: number;
  gridLoss: number;
  /** Sub-grid estimate of the optimum's log2 (equals gridLog2 at an edge or when not convex). */
  fitLog2: number;
  /** Bootstrap standard deviation of fitLog2 over seeds (NaN with one seed). */
  fitSd: number;
  /** True when the optimum sits on the edge of the grid: the real optimum may lie outside it. */
  atEdge: boolean;
  /** The grid: log2 values with seed-mean loss and spread. */
  curve: CurvePoint[];
}

export interface Estimate {
  value: number;
  /** Standard deviation over bootstrap resamplings of the seeds (NaN when not estimable). */
  sd: number;
}

export interface TransferPenalty {
  /** The widest trained width, where the penalty is measured. */
  width: number;
  baseWidth: number;
  /** The grid point nearest the base width's fitted optimum. */
  atLog2: number;
  /** Loss at atLog2 minus the best grid loss at `width` (nats; ≥ 0); NaN when it diverged. */
  loss: number;
  sd: number;
  /** The base width's optimum diverged at the widest width. */
  diverged: boolean;
}

export interface ParametrizationAnalysis {
  parametrization: string;
  optima: WidthOptimum[];
  /** fitLog2 of the widest minus that of the narrowest trained width, in octaves. */
  shiftOctaves: number;
  /** Largest |grid index difference| from the narrowest width's optimum, in grid steps. */
  maxGridSteps: number;
  /**
   * Drift of the fitted optimum per doubling of the width: the least-squares slope of fitLog2
   * against log2(width), in octaves per doubling. Its sd is the bootstrap's over seeds, or the
   * slope's standard error from the residuals with one seed (NaN with only two widths).
   */
  drift?: Estimate;
  /** Transfer penalty at the widest width (absent with one width). */
  penalty?: TransferPenalty;
  verdict: string;
}

export interface AnalysisOptions {
  /** The width whose optimum is transferred (default: the narrowest trained one). */
  baseWidth?: number;
  /** Bootstrap resamplings over seeds (default 200). */
  replicates?: number;
  /** What the scaled value is, for the verdict: 'width' (default), 'depth', 'steps'. */
  axisName?: string;
}

const DEFAULT_REPLICATES = 200;

/** Vertex of the parabola through (x0,y0),(x1,y1),(x2,y2) when convex and inside [x0, x2]. */
export function parabolaVertex(
  x: [number, number, number],
  y: [number, number, number],
): number | undefined {
  const v = lsqParabolaVertex(x, y);
  return v !== undefined && v >= x[0] && v <= x[2] ? v : undefined;
}

/** Seed losses (non-diverged only) per grid point of one width. */
type SeedLosses = Map<number, number[]>;

function seedLosses(runs: RunOutcome[]): SeedLosses {
  const grid = [...new Set(runs.map((r) => r.log2Hp))].sort((a, b) => a - b);
  const out: SeedLosses = new Map();
  for (const log2 of grid) {
    const ok = runs.filter((r) => r.log2Hp === log2 && !r.diverged && Number.isFinite(r.finalLoss));
    out.set(
      log2,
      ok.map((r) => r.finalLoss),
    );
  }
  return out;
}

function curveOf(losses: SeedLosses): CurvePoint[] {
  return [...losses].map(([log2, xs]) => ({
    log2,
    loss: xs.length ? mean(xs) : NaN,
    sd: sampleSd(xs),
    n: xs.length,
    diverged: xs.length === 0,
  }));
}

interface PointFit {
  best: number;
  fitLog2: number;
  atEdge: boolean;
}

/**
 * The best grid point of a curve and the vertex of the least-squares parabola through it and
 * its non-diverged neighbours within two grid steps, kept inside the span of those points.
 */
function fitCurve(
  curve: Array<Pick<CurvePoint, 'log2' | 'loss' | 'diverged'>>,
): PointFit | undefined {
  let best = -1;
  curve.forEach((p, i) => {
    if (!p.diverged && (best < 0 || p.loss < curve[best].loss)) best = i;
  });
  if (best < 0) return undefined;
  const atEdge = best === 0 || best === curve.length - 1;
  let fitLog2 = curve[best].log2;
  if (!atEdge && !curve[best - 1].diverged && !curve[best + 1].diverged) {
    const near = curve.slice(Math.max(0, best - 2), best + 3).filter((p) => !p.diverged);
    const v = lsqParabolaVertex(
      near.map((p) => p.log2),
      near.map((p) => p.loss),
    );
    if (v !== undefined) {
      const lo = near[0].log2;
      const hi = near[near.length - 1].log2;
      fitLog2 = Math.min(hi, Math.max(lo, v));
    }
  }
  return { best, fitLog2, atEdge };
}

export function optimumOf(width: number, runs: RunOutcome[]): WidthOptimum | undefined {
  const curve = curveOf(seedLosses(runs));
  const fit = fitCurve(curve);
  if (!fit) return undefined;
  const best = curve[fit.best];
  return {
    width,
    gridLog2: best.log2,
    gridLoss: best.loss,
    fitLog2: fit.fitLog2,
    fitSd: NaN,
    atEdge: fit.atEdge,
    curve,
  };
}

function fmtOctaves(x: number): string {
  const a = Math.abs(x);
  return `${a < 0.05 ? '0' : a.toFixed(1)} octave${a >= 0.95 && a < 1.05 ? '' : 's'}`;
}

/** The point of `curve` nearest `log2` (ties: the lower one). */
function nearestPoint<T extends { log2: number }>(curve: T[], log2: number): T {
  return curve.reduce((a, p) =>
    Math.abs(p.log2 - log2) < Math.abs(a.log2 - log2) - 1e-12 ? p : a,
  );
}

/** Penalty at the widest width of using the base width's fitted optimum there. */
function penaltyOf(
  widest: Array<Pick<CurvePoint, 'log2' | 'loss' | 'diverged'>>,
  baseFitLog2: number,
): { atLog2: number; loss: number; diverged: boolean } {
  const at = nearestPoint(widest, baseFitLog2);
  const bestLoss = Math.min(...widest.filter((p) => !p.diverged).map((p) => p.loss));
  if (at.diverged) return { atLog2: at.log2, loss: NaN, diverged: true };
  return { atLog2: at.log2, loss: at.loss - bestLoss, diverged: false };
}

function driftOf(widths: number[], fits: number[]): number {
  return lsqSlope(
    widths.map((w) => Math.log2(w)),
    fits,
  ).slope;
}

function sdOf(xs: number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length >= 2 ? sampleSd(ok) : NaN;
}

export function analyzeParametrization(
  parametrization: string,
  runs: RunOutcome[],
  opts: AnalysisOptions = {},
): ParametrizationAnalysis {
  const mine = runs.filter((r) => r.parametrization === parametrization);
  const widths = [...new Set(mine.map((r) => r.width))].sort((a, b) => a - b);
  const losses = new Map<number, SeedLosses>();
  const optima: WidthOptimum[] = [];
  for (const w of widths) {
    const l = seedLosses(mine.filter((r) => r.width === w));
    const o = optimumOf(
      w,
      mine.filter((r) => r.width === w),
    );
    if (o) {
      losses.set(w, l);
      optima.push(o);
    }
  }
  if (optima.length === 0) {
    return {
      parametrization,
      optima,
      shiftOctaves: NaN,
      maxGridSteps: NaN,
      verdict: 'no run finished without diverging',
    };
  }
  const first = optima[0];
  const last = optima[optima.length - 1];
  const base = optima.find((o) => o.width === opts.baseWidth) ?? first;

  // Bootstrap over seeds: resample each grid point's seeds, refit every width's optimum, and
  // recompute the drift and the penalty from the refits.
  const seeds = new Set(mine.map((r) => r.seed)).size;
  const keyed = new Map<string, number[]>();
  for (const [w, l] of losses) for (const [log2, xs] of l) keyed.set(`${w}:${log2}`, xs);
  const draws = seeds >= 2 ? bootstrapDraws(keyed, opts.replicates ?? DEFAULT_REPLICATES) : [];
  const replicateFits = draws.map((draw) =>
    optima.map((o) => {
      const curve = o.curve.map((p) => {
        const xs = draw.get(`${o.width}:${p.log2}`)!;
        return { log2: p.log2, loss: xs.length ? mean(xs) : NaN, diverged: xs.length === 0 };
      });
      return { curve, fit: fitCurve(curve) };
    }),
  );
  optima.forEach((o, i) => {
    o.fitSd = sdOf(replicateFits.map((r) => r[i].fit?.fitLog2 ?? NaN));
  });

  const step = first.curve.length > 1 ? first.curve[1].log2 - first.curve[0].log2 : 1;
  const shiftOctaves = last.fitLog2 - first.fitLog2;
  const maxGridSteps = Math.max(
    ...optima.map((o) => Math.abs(Math.round((o.gridLog2 - first.gridLog2) / step))),
  );

  let drift: Estimate | undefined;
  let penalty: TransferPenalty | undefined;
  if (optima.length >= 2) {
    const ws = optima.map((o) => o.width);
    const value = driftOf(
      ws,
      optima.map((o) => o.fitLog2),
    );
    const sd =
      draws.length > 0
        ? sdOf(
            replicateFits.map((r) =>
              r.every((x) => x.fit)
                ? driftOf(
                    ws,
                    r.map((x) => x.fit!.fitLog2),
                  )
                : NaN,
            ),
          )
        : lsqSlope(
            ws.map((w) => Math.log2(w)),
            optima.map((o) => o.fitLog2),
          ).se;
    drift = { value, sd };
    if (last !== base) {
      const p = penaltyOf(last.curve, base.fitLog2);
      const baseIndex = optima.indexOf(base);
      const lastIndex = optima.length - 1;
      const replicatePenalties = replicateFits.map((r) => {
        const baseFit = r[baseIndex].fit;
        return baseFit ? penaltyOf(r[lastIndex].curve, baseFit.fitLog2).loss : NaN;
      });
      penalty = {
        width: last.width,
        baseWidth: base.width,
        ...p,
        sd: p.diverged ? NaN : sdOf(replicatePenalties),
      };
    }
  }

  const name = opts.axisName ?? 'width';
  let verdict: string;
  if (optima.length === 1) {
    verdict = `optimum at log2 = ${first.fitLog2.toFixed(2)} (one width only)`;
  } else if (Math.abs(shiftOctaves) < 0.5 && maxGridSteps <= 1) {
    verdict = `optimum stays put: moves ${fmtOctaves(shiftOctaves)} from ${name} ${first.width} to ${last.width}`;
  } else {
    verdict = `optimum moves ${shiftOctaves < 0 ? 'down' : 'up'} by ${fmtOctaves(shiftOctaves)} from ${name} ${first.width} to ${last.width}`;
  }
  if (optima.some((o) => o.atEdge))
    verdict += ' (an optimum lies on the grid edge: widen the range)';
  return { parametrization, optima, shiftOctaves, maxGridSteps, drift, penalty, verdict };
}

export function analyzeSweep(
  runs: RunOutcome[],
  opts: AnalysisOptions = {},
): ParametrizationAnalysis[] {
  const names = [...new Set(runs.map((r) => r.parametrization))];
  return names.map((p) => analyzeParametrization(p, runs, opts));
}

/** "-0.92 ± 0.10" (or "-0.92" when the uncertainty is unknown). */
export function formatEstimate(e: Estimate, digits = 2): string {
  const v = e.value.toFixed(digits);
  return Number.isFinite(e.sd) ? `${v} ± ${e.sd.toFixed(digits)}` : v;
}

/**
 * One line of transfer metrics for the verdict and the CLI: drift per doubling and the
 * penalty at the widest width, each with its uncertainty.
 */
export function metricsLine(a: ParametrizationAnalysis, axis = 'width'): string {
  const parts: string[] = [];
  if (a.drift) parts.push(`drift ${formatEstimate(a.drift)} octaves per ${axis} doubling`);
  if (a.penalty) {
    const p = a.penalty;
    parts.push(
      p.diverged
        ? `the ${axis}-${p.baseWidth} optimum diverges at ${axis} ${p.width}`
        : `penalty at ${axis} ${p.width}: ${formatEstimate({ value: p.loss, sd: p.sd }, 3)} nats`,
    );
  }
  return parts.join('; ');
}

/**
 * The tuned base value of the swept hyperparameter (log2): the sub-grid optimum at the base
 * width when it was trained, else at the narrowest width. Under µP this is the value to transfer.
 */
export function tunedLog2(
  analysis: ParametrizationAnalysis,
  baseWidth: number,
): number | undefined {
  const at = analysis.optima.find((o) => o.width === baseWidth) ?? analysis.optima[0];
  return at?.fitLog2;
}
