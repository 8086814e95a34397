/**
 * Each kernel's error bound against its float64 reference, in one place: the kernel tests
 * (src/ops/*.test.ts) and the start-up self-test (src/ops/selftest/*) both import these, so the
 * bound a kernel is held to cannot differ between the two. The derivations are in the comments.
 */
import type { AdamWTensor } from './adamw';
import type { SgdTensor } from './sgd';
import type { CrossEntropyVariant } from './cross_entropy';
import type { GroupStatsVariant } from './reduce';
import { LAYERNORM_ROWS_PER_BLOCK, type LayerNormVariant } from './layernorm';
import { embeddingBackwardRef, type EmbeddingRefShape } from '../reference/embedding';
import { geluParts } from '../reference/gelu';

/** Unit roundoff of float32. */
export const F32_EPS = 2 ** -24;
const u = F32_EPS;

/** Times a term of a pairwise (cascade) sum of n terms is rounded: floor(log2 n) + 1. */
export const pairwiseDepth = (n: number): number => 32 - Math.clz32(n);

// ---- gelu ----------------------------------------------------------------------------------

/** a = min(|z|, 40), z = sqrt(2/pi) (x + 0.044715 x^3): the clamped tanh argument. */
export function geluTanhArg(x: number): number {
  const z = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
  return Math.min(Math.abs(z), 40);
}

/** |y| (dy undefined) or |dx|'s magnitude: the scale rounding errors follow. */
export function geluScale(x: number, dy?: number): number {
  const t = geluParts(x);
  const magnitude =
    dy === undefined
      ? 0.5 * Math.abs(x) * t.onePlusTanh
      : Math.abs(dy) * (0.5 * t.onePlusTanh + 0.5 * Math.abs(x) * t.sech2 * t.dz);
  return magnitude + 1e-38;
}

/**
 * From WGSL's accuracy of exp (3 + 2|arg| ulp) and a few roundings: z carries ~5u relative;
 * s = 2 / (exp(2a) + 1) then carries (5 + 4a) u from exp plus 2a times z's error, so
 * 1 + tanh(z) and 1 - tanh(z)^2 are within (8 + 14a) u relative, and y and dx within
 * (16 + 16a) u of their magnitudes (a is 4 at |x| = 2.9 and 40 from |x| = 9.3 on: 1.2e-6 and
 * 3.9e-5 relative). The clamps add at most 1e-34 |x| to y and 1e-29 |dy| to dx, where the true
 * values underflow. `dy` undefined: the forward's bound; given: the backward's.
 */
export function geluBound(x: number, dy?: number): number {
  const clamp = dy === undefined ? 1e-34 * Math.abs(x) : 1e-29 * Math.abs(dy);
  return (16 + 16 * geluTanhArg(x)) * u * geluScale(x, dy) + clamp;
}

/** max |gelu'(x)| of the tanh form: 1.12899 near |x| = 2.42 (its minimum is -0.12899), rounded up. */
export const GELU_SLOPE_MAX = 1.13;

/**
 * The matmul's GELU epilogue (src/ops/matmulGelu.ts) against gelu of the exact matmul u: the
 * kernel takes gelu of its own u', within `uBound` (matmulBound) of u, so g is off by at most
 * GELU_SLOPE_MAX uBound from gelu(u), plus gelu's own rounding (geluBound). The same whether the
 * GELU runs in the matmul's epilogue or as a separate pass over u' (the same f32 value).
 */
export const geluOfMatmulBound = (u: number, uBound: number): number =>
  GELU_SLOPE_MAX * uBound + geluBound(u);

/**
 * The GELU-backward epilogue: dU = dG' gelu'(u) with dG' the kernel's matmul, within `dGBound`
 * (matmulBound) of the exact dG: |gelu'(u)| dGBound <= GELU_SLOPE_MAX dGBound, plus the rounding
 * of gelu'(u) and the product (geluBound(u, dG)).
 */
export const geluGradOfMatmulBound = (u: number, dG: number, dGBound: number): number =>
  GELU_SLOPE_MAX * dGBound + geluBound(u, dG);

// ---- residual ------------------------------------------------------------------------------

/**
 * out = a + scale b (and a += scale b): the multiplier is rounded to f32, the product and the sum
 * once each: 3u (|a| + |scale b|). Elementwise, no accumulation.
 */
export const residualAddBound = (a: number, scaledB: number): number =>
  3 * u * (Math.abs(a) + Math.abs(scaledB)) + 1e-38;

/** dst = alpha src + beta dst: one more product than add: 4u (|alpha src| + |beta dst|). */
export const axpyBound = (alphaSrc: number, betaDst: number): number =>
  4 * u * (Math.abs(alphaSrc) + Math.abs(betaDst)) + 1e-38;

// ---- matmul --------------------------------------------------------------------------------

/**
 * Each output is a length-K f32 dot product, whose rounding error is at most
 * gamma_K = K u / (1 - K u) times sum_p |a_ip b_pj| (`absScale`), whatever the summation order,
 * plus one rounding each for alpha, bias and beta C (`want` the exact output).
 */
export function matmulBound(
  k: number,
  absScale: number,
  want: number,
  opts: { bias?: boolean; beta?: number } = {},
): number {
  const gamma = (k * u) / (1 - k * u);
  const extra = Math.abs(want) + (opts.bias ? 1 : 0) + Math.abs(opts.beta ?? 0);
  return gamma * absScale + 3 * u * extra + 1e-30;
}

// ---- attention -----------------------------------------------------------------------------

/**
 * Tolerance of every attention output (forward out and lse, backward dQ, dK, dV): 1e-5 of each output's scale (its largest magnitude). Every result is a
 * length-D (<= 128) f32 dot product fed through exp and a length-T (<= 512) f32 weighted sum;
 * a logit's rounding error is about u * sqrt(D) * |q||k| * scale (u = 2^-24), which the
 * softmax turns into the same relative error in P, and the row sums add about u * sqrt(T).
 * With logits of order 1 (SP and µP scales, N(0, 1) inputs) that is ~1e-6 of the output's
 * scale: measured at most 1.1e-6 (dV, T = 512, D = 128), so 1e-5 leaves a 10x margin.
 * Logits of magnitude L scale the logit error by L: the stress test with |logits| up to ~60
 * (scale = 2, D = 128) measured 1.2e-5 and is held to 5e-5.
 *
 * Both variants sum in a fixed order, with the same terms: dot products over d ascending (the
 * 'row' variant's 4-way unrolled loops keep that order), the forward and dQ over keys ascending,
 * dK and dV over the T - j queries that see key j ('tiled' ascending, 'row' descending: the same
 * number of terms, so the same u * sqrt(T) estimate). The one difference in rounding: 'row'
 * rescales its online-softmax accumulator after each key that raises the running max rather
 * than once per tile; a step without a new max multiplies by exactly 1 (no rounding), and a
 * rescale adds one rounding (u) to the accumulator, at most T of them and ~ln T expected for
 * random logits, within the same u * sqrt(T) budget. So the same two tolerances hold for both:
 * 'row' measured at most 7.7e-7 (dQ) under TOL and 6.9e-6 (dQ) in the stress test.
 *
 * 'unrolled' (kernels/attention_unrolled.wgsl) sums each dot product as four interleaved
 * partial sums over the vec4 chunks, then (x + y) + (z + w): each partial sum has D / 4 terms,
 * so its rounding bound is no larger than the sequential sum's; keys, queries and rescaling as
 * 'row'. Measured at most 7.7e-7 (dQ) under TOL and 3.2e-6 (dQ, D 64) in the stress test.
 * 'subgroup' (kernels/attention_subgroup.wgsl) splits each row's keys (queries) over the lanes,
 * every lane summing its share in order, and adds the lanes' partials in a tree: the same terms
 * in shorter chains, plus one rescale per lane (exp(m_lane - m), one rounding). Measured at most
 * 7.7e-7 (dQ) under TOL and 3.0e-6 (dQ, D 64) in the stress test, with SwiftShader's 4 lanes.
 */
export const ATTENTION_TOL = 1e-5;
/** For logits up to ~60 in magnitude (the stress test; see ATTENTION_TOL). */
export const ATTENTION_STRESS_TOL = 5e-5;

// ---- reduce --------------------------------------------------------------------------------

/**
 * Sum of squares, relative: all terms are >= 0, so the f32 sum's error is at most d u sum(x^2)
 * where d is the longest chain of roundings: one for the square, then
 * - 'workgroup': ceil(chunk / 256) serial adds per thread, log2(256) = 8 tree levels, then the
 *   same over the group's partials;
 * - 'subgroup' (`lanes` threads, one subgroup): each lane sums ceil(n / lanes) terms pairwise,
 *   then subgroupAdd (any order: lanes - 1), over the chunk and then over the group's partials.
 * The bound is (d + 1) u (about 2e-6 for the tested sizes).
 */
export function sumSquaresRelBound(
  chunkSize: number,
  chunksInGroup: number,
  variant: GroupStatsVariant = 'workgroup',
  lanes = 0,
): number {
  if (variant === 'subgroup' && !(lanes >= 1)) {
    throw new Error(`sum of squares bound: lanes must be >= 1, got ${lanes}`);
  }
  const level = (n: number) =>
    variant === 'subgroup'
      ? pairwiseDepth(Math.ceil(n / lanes)) + lanes - 1
      : Math.ceil(n / 256) + 8;
  const d = 1 + level(chunkSize) + level(chunksInGroup);
  return (d + 1) * u;
}

// ---- embedding -----------------------------------------------------------------------------

/**
 * out = alpha (tok + pos): alpha rounded to f32, one sum and one product: 3u |alpha| (|tok| + |pos|).
 * An invalid token id gives out = 0 exactly: pass 0 for both.
 */
export const embeddingOutBound = (alpha: number, tok: number, pos: number): number =>
  3 * u * Math.abs(alpha) * (Math.abs(tok) + Math.abs(pos)) + 1e-38;

/**
 * What embeddingGradBound scales with: the gradients of |alpha| |dOut| (`abs.dTok`, `abs.dPos`)
 * and each token id's number of occurrences (`counts`; invalid ids count nowhere).
 */
export function embeddingGradScales(
  tokens: Uint32Array,
  dOut: Float32Array,
  shape: EmbeddingRefShape,
): { abs: { dTok: Float64Array; dPos: Float64Array }; counts: Float64Array } {
  const abs = embeddingBackwardRef(
    tokens,
    dOut.map((v) => Math.abs(v)),
    { ...shape, alpha: Math.abs(shape.alpha ?? 1) },
  );
  const counts = new Float64Array(shape.vocab);
  for (const id of tokens) if (id < shape.vocab) counts[id] += 1;
  return { abs, counts };
}

/**
 * dTok[v] and dPos[t]: in-order sums of `count` rows (count = occurrences of v, resp. batch):
 * (count + 3) u times `absSum` (the same sum over |alpha dOut|), plus 2u (|beta old| + |result|)
 * for accumulating into the old gradient.
 */
export const embeddingGradBound = (
  count: number,
  absSum: number,
  betaOld: number,
  want: number,
): number => (count + 3) * u * absSum + 2 * u * (Math.abs(betaOld) + Math.abs(want)) + 1e-38;

// ---- cross_entropy -------------------------------------------------------------------------

/**
 * Error bounds, per row r with z = logitScale * l in f32 (|dz_i| <= u |z_i|), x_i = z_i - max:
 * - exp(x) may be off by (3 + 2|x|) ulp (WGSL's stated accuracy), so the sum of exponentials is
 *   off by at most u (E_r + d) relative, E_r = sum_i p_i (3 + 2|x_i|) and d the adds in the
 *   longest chain (ceil(V / WG) serial steps, then 8 tree levels of a few roundings each);
 * - the loss, (max - z_t) + log(sum), is 1-Lipschitz in each z (so 2u max|z|), adds the sum's
 *   relative error, log's 2^-21 absolute (near 1) or 3 ulp, and a few roundings of |loss|;
 * - the gradient c (p_i - [i = t]) has p_i relative error u (|z_i| + 3|x_i| + 3 + E_r + d + 6)
 *   (argument rounding, exp, the sum, the division, the multiplier c rounded once from float64).
 * For the data here (|z| <= 10) these are all below ~1e-5 relative. The mean loss adds the
 * serial/tree sum over the run's rows: (rowsPerRun / 256 + 10) u of the mean.
 * Only the sum depths depend on the variant (sumDepth, meanDepth): the 'row' variant sums
 * exp(x) once each, pairwise in one thread, and the run's row losses pairwise likewise; its
 * depths are never larger than the workgroup variant's (checked in src/ops/cross_entropy.test.ts), so no bound is looser.
 */
/**
 * Roundings in the longest chain of the sum of exponentials: 'workgroup' ceil(V / WG) serial
 * steps, then 8 tree levels of a few (4) roundings each (max, two rescalings, add); 'row' one
 * rounding per level of the pairwise sum; 'subgroup' (`lanes` threads) ceil(V / lanes) in order
 * per lane, then subgroupAdd in any order (subgroupSumDepth).
 */
export function crossEntropySumDepth(
  variant: CrossEntropyVariant,
  vocab: number,
  lanes: number,
): number {
  if (variant === 'subgroup') return subgroupSumDepth(vocab, lanes);
  const wg = vocab >= 2048 ? 256 : vocab >= 512 ? 128 : 64;
  return variant === 'row' ? pairwiseDepth(vocab) : Math.ceil(vocab / wg) + 8 * 4;
}

/**
 * Multiple of u |mean| for the mean loss: the sum's depth, plus the scaling and slack (2).
 * 'subgroup' takes the mean with the 'row' variant's kernel.
 */
export function crossEntropyMeanDepth(variant: CrossEntropyVariant, perRun: number): number {
  return (variant === 'workgroup' ? perRun / 256 + 8 : pairwiseDepth(perRun)) + 2;
}

/** Per-row loss, per-logit gradient and per-run mean-loss bounds (see above). */
export function crossEntropyBounds(
  logits: Float32Array,
  targets: Uint32Array,
  shape: { rows: number; vocab: number; runs?: number; logitScale?: number; gradScale?: number },
  ref: { rowLoss: ArrayLike<number>; loss: ArrayLike<number> },
  depths: { sum: number; mean: number },
): { lossBound: Float64Array; gradBound: Float64Array; meanBound: Float64Array } {
  const { rows, vocab } = shape;
  const s = shape.logitScale ?? 1;
  const runs = shape.runs ?? 1;
  const perRun = rows / runs;
  const coef = Math.abs((s * (shape.gradScale ?? 1)) / perRun);
  const d = depths.sum;
  const lossBound = new Float64Array(rows);
  const gradBound = new Float64Array(rows * vocab);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    let maxAbs = 0;
    for (let i = 0; i < vocab; i++) {
      const z = s * logits[r * vocab + i];
      max = Math.max(max, z);
      maxAbs = Math.max(maxAbs, Math.abs(z));
    }
    let sum = 0;
    let e = 0;
    for (let i = 0; i < vocab; i++) {
      const x = s * logits[r * vocab + i] - max;
      sum += Math.exp(x);
      e += Math.exp(x) * (3 + 2 * Math.abs(x));
    }
    e /= sum;
    const loss = ref.rowLoss[r];
    lossBound[r] = u * (3 * maxAbs + e + d + 4 * Math.abs(loss) + 4) + 2 ** -21;
    for (let i = 0; i < vocab; i++) {
      const z = s * logits[r * vocab + i];
      const x = z - max;
      const p = Math.exp(x) / sum;
      const onehot = i === targets[r] ? 1 : 0;
      gradBound[r * vocab + i] =
        coef * u * (p * (Math.abs(z) + 3 * Math.abs(x) + 3 + e + d + 6) + 2 * onehot) + 1e-30;
    }
  }
  const meanBound = new Float64Array(runs);
  for (let k = 0; k < runs; k++) {
    let b = 0;
    for (let r = k * perRun; r < (k + 1) * perRun; r++) b += lossBound[r];
    meanBound[k] = b / perRun + depths.mean * u * Math.abs(ref.loss[k]) + 1e-30;
  }
  return { lossBound, gradBound, meanBound };
}

// ---- layernorm -----------------------------------------------------------------------------

/**
 * Depth of the kernel's row sums (times a term is rounded), the only part of the bounds below
 * that depends on the variant:
 * - 'workgroup': a sequential stride over width / 256 per thread, then 8 tree levels;
 * - 'row': one thread sums the row pairwise: floor(log2 width) + 1, which is never more than
 *   the workgroup's (checked in src/ops/layernorm.test.ts), so every bound is the same or tighter for 'row';
 * - 'subgroup' (`lanes` = its workgroup size, the adapter's smallest subgroup size): each lane
 *   sums ceil(width / lanes) terms in order, then subgroupAdd adds the lane sums in an order the
 *   driver picks, at most lanes - 1 more roundings per term: ceil(width / lanes) + lanes - 1.
 */
export function layerNormRowSumDepth(
  variant: LayerNormVariant,
  width: number,
  lanes: number,
): number {
  if (variant === 'subgroup') return subgroupSumDepth(width, lanes);
  return variant === 'row' ? pairwiseDepth(width) : Math.ceil(width / 256) + 8;
}

/**
 * Roundings of a term of a sum of n terms over `lanes` lanes, each summing its share in order,
 * then subgroupAdd over the lanes in any order: ceil(n / lanes) + lanes - 1.
 */
export function subgroupSumDepth(n: number, lanes: number): number {
  if (!(lanes >= 1)) throw new Error(`subgroup sum depth: lanes must be >= 1, got ${lanes}`);
  return Math.ceil(n / lanes) + lanes - 1;
}

/**
 * Depth of the dgain/dbias column sums over `rows` rows:
 * - 'workgroup': per block of 128 rows, 8 row lanes stride ceil(min(rows, 128) / 8) rows, then 3
 *   tree levels; the final pass adds the rowBlocks partials in order;
 * - 'row' and 'subgroup' (the same column-sum kernels): one thread per (column, block) sums the
 *   block's rows pairwise, then the same final pass: pairwiseDepth(min(rows, 128)) + rowBlocks,
 *   never more than the workgroup's.
 */
export function layerNormParamSumDepth(variant: LayerNormVariant, rows: number): number {
  const inBlock = Math.min(rows, LAYERNORM_ROWS_PER_BLOCK);
  const blocks = Math.ceil(rows / LAYERNORM_ROWS_PER_BLOCK);
  return (variant === 'workgroup' ? Math.ceil(inBlock / 8) + 3 : pairwiseDepth(inBlock)) + blocks;
}

/**
 * Multiples of u in the layernorm bounds (derivations in src/ops/layernorm.test.ts):
 * y, mean, rstd: (row depth + 8) u of their scales; dx: (row depth + 10) u;
 * dgain, dbias: (param depth + 5) u of sum_r |dy xhat| (resp. |dy|), plus 2u for accumulating.
 * `lanes`: the 'subgroup' variant's workgroup size (src/ops/subgroups.ts subgroupLanes).
 */
export function layerNormBoundFactors(
  variant: LayerNormVariant,
  width: number,
  rows: number,
  lanes: number,
): { y: number; dx: number; param: number } {
  const row = layerNormRowSumDepth(variant, width, lanes);
  return { y: row + 8, dx: row + 10, param: layerNormParamSumDepth(variant, rows) + 5 };
}

// ---- adamw ---------------------------------------------------------------------------------

/**
 * Per-element allowances of the AdamW kernel, accumulated step by step: `params` grows by
 * adamwAddStep each step; `mAbs` is the first moment of |clipped gradient|, the scale m's
 * rounding follows.
 */
export interface AdamWBounds {
  params: Float64Array;
  mAbs: Float64Array;
}

/**
 * One step's allowance per element: 2u |p| for rounding p, plus 128 u (7.6e-6) of the step's
 * update lr (|m^/(sqrt(v^)+eps)| + wd |p|). That covers the update's relative error: the clip
 * factor (norm from an f32 sum of squares: ~20u, halved by the sqrt, plus sqrt, add, divide), a
 * few roundings each in m, v, sqrt, the bias corrections, the division, and the errors that m and
 * v carry over from earlier steps (at most one step's worth per step, since beta < 1 contracts
 * them). `before`: the reference parameters before the step; `ref`: its moments after it.
 */
export function adamwAddStep(
  b: AdamWBounds,
  grads: ArrayLike<number>,
  tensors: readonly AdamWTensor[],
  before: ArrayLike<number>,
  ref: { m: ArrayLike<number>; v: ArrayLike<number> },
  o: {
    step: number;
    beta1: number;
    beta2: number;
    lrScale: number;
    clip: number;
    norms: readonly number[];
    skipped: readonly boolean[];
  },
): void {
  const bc1 = 1 - Math.fround(o.beta1) ** o.step;
  const bc2 = 1 - Math.fround(o.beta2) ** o.step;
  for (const t of tensors) {
    const group = t.group ?? 0;
    if (o.skipped[group]) continue;
    const lr = t.lr * o.lrScale;
    const c = o.clip > 0 ? Math.min(1, o.clip / (o.norms[group] + 1e-6)) : 1;
    for (let i = t.offset; i < t.offset + t.length; i++) {
      b.mAbs[i] = o.beta1 * b.mAbs[i] + (1 - o.beta1) * Math.abs(c * grads[i]);
      const upd = ref.m[i] / bc1 / (Math.sqrt(ref.v[i] / bc2) + (t.eps ?? 1e-8));
      b.params[i] +=
        2 * u * Math.abs(before[i]) +
        128 * u * lr * (Math.abs(upd) + (t.weightDecay ?? 0) * Math.abs(before[i]));
    }
  }
}

/** Element i of the parameters: the accumulated allowance plus the final rounding. */
export const adamwParamBound = (b: AdamWBounds, i: number, want: number): number =>
  b.params[i] + 2 * u * Math.abs(want) + 1e-30;

/**
 * The moments: a few roundings per step and the clip factor's relative error (up to ~15 u; it
 * enters v twice): 32 u, relative to the moment of |g| for m (whose terms may cancel), to v
 * itself for v (they cannot).
 */
export const adamwMBound = (b: AdamWBounds, i: number): number => 32 * u * b.mAbs[i] + 1e-30;
export const adamwVBound = (v: number): number => 32 * u * Math.abs(v) + 1e-30;

// ---- newton-schulz -------------------------------------------------------------------------

/**
 * X0 = G / (sqrt(sumsq) + 1e-7), relative to |X0|: the sum of squares within sumSquaresRelBound
 * (halved by the square root), the square root (WGSL: 2.5 ulp, taken as 3u), the sum with 1e-7
 * (u) and the division (2.5 ulp, 3u): sumsqRel / 2 + 7u.
 */
export const nsNormalizeRelBound = (chunkSize: number, chunksInMatrix: number): number =>
  sumSquaresRelBound(chunkSize, chunksInMatrix) / 2 + 7 * u;

/**
 * The gain L of one Newton-Schulz step on errors (first order, Frobenius norm): the step maps X
 * to U p(Σ) Vᵀ with p(σ) = aσ + bσ³ + cσ⁵, whose derivative scales each error component by a
 * divided difference (p(σi) ∓ p(σj)) / (σi ∓ σj) or by p(σ)/σ (Higham, Functions of Matrices,
 * for generalized matrix functions); both are at most max(|p'|, p(σ)/σ) over the singular values'
 * range. Starting from ‖X0‖_F <= 1 the singular values stay in [0, max p on [0, 1]] (p maps that
 * interval into itself), so L is that maximum over it, found on a fine grid (and rounded up).
 */
export function nsStepGain(coefficients: readonly [number, number, number]): number {
  const [a, b, c] = coefficients;
  const p = (s: number) => a * s + b * s ** 3 + c * s ** 5;
  const dp = (s: number) => a + 3 * b * s ** 2 + 5 * c * s ** 4;
  const n = 20000;
  let top = 1;
  for (let i = 0; i <= n; i++) top = Math.max(top, p(i / n));
  let gain = 0;
  for (let i = 1; i <= n; i++) {
    const s = (top * i) / n;
    gain = Math.max(gain, Math.abs(dp(s)), p(s) / s);
  }
  return gain * 1.01;
}

/**
 * First-order bound on ‖X̂_s - X_s‖_F after s steps, from each step's own rounding bound r_k (the
 * Frobenius norm of nsStepRef's elementwise bound, step k from step k - 1's output) and the
 * normalization's r_0: sum_k L^(s-k) r_k.
 */
export function nsPropagatedBound(stepBounds: readonly number[], gain: number): number {
  const s = stepBounds.length - 1;
  return stepBounds.reduce((sum, r, k) => sum + gain ** (s - k) * r, 0);
}
// ---- sgd -----------------------------------------------------------------------------------

/**
 * Per-element allowances of the SGD kernel, accumulated step by step: `params` grows by
 * sgdAddStep each step; `bufAbs` is the momentum buffer of |clipped gradient| (μ bufAbs + |c g|),
 * the scale the buffer's rounding follows (its terms may cancel).
 */
export interface SgdBounds {
  params: Float64Array;
  bufAbs: Float64Array;
}

/**
 * One step's allowance per element: 2u |p| for the decay factor 1 - lr wd (rounded to 1's ulp)
 * and the product, plus 48 u of lr (bufAbs + wd |p|). The buffer carries at most 18 u of bufAbs:
 * each step rounds μ·buf, c·g and their sum (3u) and c itself is off by up to ~15 u (the norm from
 * an f32 sum of squares, halved by the sqrt, plus sqrt, add and divide); older errors are
 * contracted by μ < 1, so they stay within one step's share of bufAbs. lr = lr_t · lrScale is
 * rounded twice (table and product) and lr · buf once more: 48 u covers them with margin.
 */
export function sgdAddStep(
  b: SgdBounds,
  grads: ArrayLike<number>,
  tensors: readonly SgdTensor[],
  before: ArrayLike<number>,
  o: {
    momentum: number;
    lrScale: number;
    clip: number;
    norms: readonly number[];
    skipped: readonly boolean[];
  },
): void {
  for (const t of tensors) {
    const group = t.group ?? 0;
    if (o.skipped[group]) continue;
    const lr = t.lr * o.lrScale;
    const c = o.clip > 0 ? Math.min(1, o.clip / (o.norms[group] + 1e-6)) : 1;
    for (let i = t.offset; i < t.offset + t.length; i++) {
      b.bufAbs[i] = o.momentum * b.bufAbs[i] + Math.abs(c * grads[i]);
      b.params[i] +=
        2 * u * Math.abs(before[i]) +
        48 * u * lr * (b.bufAbs[i] + (t.weightDecay ?? 0) * Math.abs(before[i]));
    }
  }
}

/** Element i of the parameters: the accumulated allowance plus the final rounding. */
export const sgdParamBound = (b: SgdBounds, i: number, want: number): number =>
  b.params[i] + 2 * u * Math.abs(want) + 1e-30;

/** The momentum buffer: 24 u of bufAbs (sgdAddStep's 18 u with margin). */
export const sgdBufBound = (b: SgdBounds, i: number): number => 24 * u * b.bufAbs[i] + 1e-30;
