/**
 * Verifying µTransfer at a target width: a small sweep of the swept hyperparameter centred on
 * the predicted optimum, trained at the target width, and what it shows.
 *
 * The prediction is µTransfer's procedure: take the sweep's fitted optimum at the base width
 * (tunedLog2) and use it unchanged at the target (transfer() turns the global value into each
 * tensor's value by the parametrization's rules). Under µP the optimum should land there; under
 * SP it drifts, and the penalty says what using the prediction costs.
 */
import {
  analyzeParametrization,
  analyzeSweep,
  tunedLog2,
  type CurvePoint,
  type ParametrizationAnalysis,
} from '../analysis/analysis';
import { validateSweepConfig, type AdapterLimitsLike, type SweepConfig } from './config';
import { toOutcomes } from '../analysis/outcomes';
import { lsqParabola, parabolaAt, type Parabola } from '../analysis/stats';
import { runId, type RunRecord, type RunSpec } from './types';

/** Learning rates (values of the swept hyperparameter) a verification trains by default. */
export const VERIFY_POINTS = 5;
/** How far the verification reaches each side of the prediction, in octaves. */
export const VERIFY_HALF_OCTAVES = 2;
/** Fewest distinct values at one width that make a set of target runs a verification. */
const MIN_POINTS = 3;

export interface VerifyPrediction {
  parametrization: RunSpec['parametrization'];
  /** log2 of the predicted optimum (rounded to 4 decimals: it goes into run ids). */
  log2: number;
  /** Bootstrap sd of the base width's fitted optimum over seeds (NaN with one seed). */
  sd: number;
  /** The width whose optimum was taken. */
  fromWidth: number;
}

export interface VerifyPlan {
  width: number;
  depth: number;
  seeds: number[];
  predictions: VerifyPrediction[];
  runs: RunSpec[];
}

export interface VerifyOptions {
  /** The target width. */
  width: number;
  /** Seeds to train (default: the sweep's). */
  seeds?: number[];
  /** Values per parametrization (default 5, at least 3). */
  points?: number;
  /** Reach each side of the prediction in octaves (default 2). */
  halfOctaves?: number;
  vocab?: number;
  limits?: AdapterLimitsLike;
  /** predictOptima of the sweep, when the caller has it (it costs a bootstrap). */
  predictions?: VerifyPrediction[];
}

export type PlanResult = { ok: true; plan: VerifyPlan } | { ok: false; message: string };

const round4 = (x: number) => Number(x.toFixed(4));

/** The analysis of a sweep's grid runs, as the verification reads it. */
export function sweepAnalysis(
  config: SweepConfig,
  records: readonly RunRecord[],
): ParametrizationAnalysis[] {
  return analyzeSweep(toOutcomes(records, config.axis), {
    baseWidth: config.baseWidth,
    axisName: config.axis,
  });
}

/** Each parametrization's predicted optimum at any width: its base width's fitted optimum. */
export function predictOptima(
  config: SweepConfig,
  analyses: readonly ParametrizationAnalysis[],
): VerifyPrediction[] {
  const out: VerifyPrediction[] = [];
  for (const a of analyses) {
    const log2 = tunedLog2(a, config.baseWidth);
    if (log2 === undefined || !Number.isFinite(log2)) continue;
    const at = a.optima.find((o) => o.width === config.baseWidth) ?? a.optima[0];
    out.push({
      parametrization: a.parametrization as RunSpec['parametrization'],
      log2: round4(log2),
      sd: at.fitSd,
      fromWidth: at.width,
    });
  }
  return out;
}

/** `points` values evenly spaced over prediction ± halfOctaves (log2). */
export function verifyGrid(center: number, points: number, halfOctaves: number): number[] {
  const step = (2 * halfOctaves) / (points - 1);
  return Array.from({ length: points }, (_, i) => round4(center - halfOctaves + i * step));
}

/**
 * The runs of a verification: for each parametrization with a prediction, `points` values of
 * the swept hyperparameter within ± halfOctaves of it, at the target width, for every seed.
 * Refused (one line naming the field) for a depth sweep, a sweep without a finished run, or a
 * width the sweep's limits do not allow.
 */
export function planVerify(
  config: SweepConfig,
  records: readonly RunRecord[],
  opts: VerifyOptions,
): PlanResult {
  const points = opts.points ?? VERIFY_POINTS;
  const half = opts.halfOctaves ?? VERIFY_HALF_OCTAVES;
  const seeds = opts.seeds ?? config.train.seeds;
  if (config.axis !== 'width') {
    return { ok: false, message: 'axis: verify needs a width sweep (this one scales depth)' };
  }
  if (!Number.isInteger(opts.width) || opts.width < 1) {
    return { ok: false, message: `width: must be a positive integer (got ${opts.width})` };
  }
  if (!Number.isInteger(points) || points < MIN_POINTS || points > 33) {
    return { ok: false, message: `points: must be an integer from ${MIN_POINTS} to 33` };
  }
  if (!(half > 0 && half <= 8)) {
    return { ok: false, message: 'halfOctaves: must be above 0 and at most 8' };
  }
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    return { ok: false, message: 'seeds: must be one or more non-negative integers' };
  }
  const refused = validateSweepConfig(
    { ...config, widths: [opts.width], train: { ...config.train, seeds: [...seeds] } },
    { vocab: opts.vocab, limits: opts.limits },
  ).find((e) => e.field === 'widths' || e.field === 'sweep' || e.field === 'seeds');
  if (refused) return { ok: false, message: `${refused.field}: ${refused.message}` };
  const predictions = opts.predictions ?? predictOptima(config, sweepAnalysis(config, records));
  if (predictions.length === 0) {
    return { ok: false, message: 'runs: no run of the sweep finished without diverging' };
  }
  const depth = config.model.depth;
  const runs: RunSpec[] = [];
  for (const p of predictions)
    for (const seed of seeds)
      for (const log2Hp of verifyGrid(p.log2, points, half)) {
        const spec = { parametrization: p.parametrization, width: opts.width, depth, seed, log2Hp };
        runs.push({ id: runId(spec), ...spec });
      }
  return { ok: true, plan: { width: opts.width, depth, seeds: [...seeds], predictions, runs } };
}

export interface VerifyResult {
  parametrization: RunSpec['parametrization'];
  width: number;
  predicted: { log2: number; sd: number };
  /** The fitted optimum of the verification's curve (undefined when every run diverged). */
  observed?: { log2: number; sd: number; atEdge: boolean };
  /** Seed-mean loss per value, as the sweep's curves. */
  curve: CurvePoint[];
  /** The least-squares parabola through the curve's converged points (undefined below 3). */
  fit?: Parabola;
  /** Loss at the predicted value on the curve's fit (linear between points when not convex). */
  lossAtPredicted: number;
  /** The best loss: the fit's minimum over the trained range, or the best point's. */
  bestLoss: number;
  /** lossAtPredicted − bestLoss (nats, ≥ 0); NaN when the prediction diverged or is unknown. */
  penalty: number;
  runs: RunRecord[];
}

/** Linear interpolation of the converged curve at x (NaN outside it or between diverged points). */
function interpolate(curve: CurvePoint[], x: number): number {
  const ok = curve.filter((p) => !p.diverged);
  for (let i = 0; i < ok.length; i++) {
    if (Math.abs(ok[i].log2 - x) < 1e-9) return ok[i].loss;
    if (i + 1 < ok.length && ok[i].log2 < x && x < ok[i + 1].log2) {
      const t = (x - ok[i].log2) / (ok[i + 1].log2 - ok[i].log2);
      return ok[i].loss + t * (ok[i + 1].loss - ok[i].loss);
    }
  }
  return NaN;
}

/**
 * What the verification's runs show for one parametrization: the observed (fitted) optimum with
 * its bootstrap sd over seeds, and the penalty of using the prediction, read off the curve's
 * least-squares parabola when it is convex (else the curve itself).
 */
export function analyzeVerification(
  prediction: Pick<VerifyPrediction, 'parametrization' | 'log2' | 'sd'>,
  width: number,
  runs: readonly RunRecord[],
): VerifyResult {
  const mine = runs.filter(
    (r) => r.parametrization === prediction.parametrization && r.width === width,
  );
  const analysis = analyzeParametrization(prediction.parametrization, toOutcomes(mine, 'width'));
  const o = analysis.optima[0];
  const curve = o?.curve ?? [];
  const ok = curve.filter((p) => !p.diverged);
  const parabola =
    ok.length >= MIN_POINTS
      ? lsqParabola(
          ok.map((p) => p.log2),
          ok.map((p) => p.loss),
        )
      : undefined;
  const convex = parabola !== undefined && parabola.a > 0;
  const x = prediction.log2;
  const predictedDiverged = curve.some((p) => p.diverged && Math.abs(p.log2 - x) < 1e-9);
  let lossAtPredicted = NaN;
  let bestLoss = ok.length ? Math.min(...ok.map((p) => p.loss)) : NaN;
  if (!predictedDiverged && ok.length > 0) {
    if (convex && x >= ok[0].log2 && x <= ok[ok.length - 1].log2) {
      const lo = ok[0].log2;
      const hi = ok[ok.length - 1].log2;
      const vertex = Math.min(hi, Math.max(lo, parabola.x0 - parabola.b / (2 * parabola.a)));
      lossAtPredicted = parabolaAt(parabola, x);
      bestLoss = parabolaAt(parabola, vertex);
    } else {
      lossAtPredicted = interpolate(curve, x);
    }
  }
  return {
    parametrization: prediction.parametrization,
    width,
    predicted: { log2: prediction.log2, sd: prediction.sd },
    observed: o ? { log2: o.fitLog2, sd: o.fitSd, atEdge: o.atEdge } : undefined,
    curve,
    fit: parabola,
    lossAtPredicted,
    bestLoss,
    penalty: Math.max(0, lossAtPredicted - bestLoss),
    runs: [...mine],
  };
}

/**
 * The widths at which `targetRuns` (runs beyond the grid) hold a verification: at least three
 * distinct values of one parametrization, in the order their last run finished.
 */
export function verifiedWidths(targetRuns: readonly RunRecord[]): number[] {
  const values = new Map<string, Set<number>>();
  const order: number[] = [];
  for (const r of targetRuns) {
    const key = `${r.parametrization}:${r.width}`;
    const set = values.get(key) ?? new Set<number>();
    set.add(r.log2Hp);
    values.set(key, set);
    if (set.size >= MIN_POINTS) {
      const i = order.indexOf(r.width);
      if (i >= 0) order.splice(i, 1);
      order.push(r.width);
    }
  }
  return order;
}

/**
 * The verification at `width` of a sweep: its predictions analysed against the target runs at
 * that width, one result per parametrization that has them. Empty when there is none.
 */
export function verificationAt(
  config: SweepConfig,
  records: readonly RunRecord[],
  targetRuns: readonly RunRecord[],
  width: number,
  predictions?: readonly VerifyPrediction[],
): VerifyResult[] {
  if (config.axis !== 'width') return [];
  return (predictions ?? predictOptima(config, sweepAnalysis(config, records)))
    .filter(
      (p) =>
        new Set(
          targetRuns
            .filter((r) => r.parametrization === p.parametrization && r.width === width)
            .map((r) => r.log2Hp),
        ).size >= MIN_POINTS,
    )
    .map((p) => analyzeVerification(p, width, targetRuns));
}

/** The verified width to show: `preferred` when it was verified, else the latest; or none. */
export function shownVerificationWidth(
  targetRuns: readonly RunRecord[],
  preferred?: number | null,
): number | undefined {
  const widths = verifiedWidths(targetRuns);
  if (preferred !== undefined && preferred !== null && widths.includes(preferred)) return preferred;
  return widths[widths.length - 1];
}

/** The verification to show: at `preferred` when there is one, else the latest. */
export function latestVerification(
  config: SweepConfig,
  records: readonly RunRecord[],
  targetRuns: readonly RunRecord[],
  preferred?: number | null,
  predictions?: readonly VerifyPrediction[],
): VerifyResult[] {
  const width = shownVerificationWidth(targetRuns, preferred);
  return width === undefined ? [] : verificationAt(config, records, targetRuns, width, predictions);
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '?');
const pm = (x: number, sd: number) => (Number.isFinite(sd) ? `${f2(x)} ± ${f2(sd)}` : f2(x));

/** "predicted log2 lr -6.10 ± 0.20, observed -6.02 ± 0.15; penalty of using the prediction 0.003 nats" */
export function verifyDetail(r: VerifyResult, hpName = 'lr'): string {
  const observed = r.observed
    ? `observed ${pm(r.observed.log2, r.observed.sd)}${r.observed.atEdge ? ' (on the edge of the verified range)' : ''}`
    : 'every run diverged';
  const penalty = Number.isFinite(r.penalty)
    ? `penalty of using the prediction ${r.penalty.toFixed(3)} nats`
    : r.curve.some((p) => p.diverged && Math.abs(p.log2 - r.predicted.log2) < 1e-9)
      ? 'the predicted value diverged'
      : 'penalty unknown';
  return `predicted log2 ${hpName} ${pm(r.predicted.log2, r.predicted.sd)}, ${observed}; ${penalty}`;
}

/** "mup width 256: predicted log2 lr -6.10 ± 0.20, observed …; penalty …" (the CLI's line). */
export function verifyLine(
  r: VerifyResult,
  hpName = 'lr',
  label: string = r.parametrization,
): string {
  return `${label} width ${r.width}: ${verifyDetail(r, hpName)}`;
}
