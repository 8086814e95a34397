/**
 * Each kernel's error bound against its float64 reference, in one place: the kernel tests
 * (src/ops/*.test.ts) and the start-up self-test (src/ops/selftest/*) both import these, so the
 * bound a kernel is held to cannot differ between the two. The derivations are in the comments.
 */
import { geluParts } from '../reference/gelu';

/** Unit roundoff of float32. */
export const F32_EPS = 2 ** -24;
const u = F32_EPS;

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
 */
export const ATTENTION_TOL = 1e-5;
/** For logits up to ~60 in magnitude (the stress test; see ATTENTION_TOL). */
export const ATTENTION_STRESS_TOL = 5e-5;

// ---- reduce --------------------------------------------------------------------------------

/**
 * Sum of squares, relative: all terms are >= 0, so the f32 sum's error is at most d u sum(x^2)
 * where d is the longest chain of roundings: one for the square (fma), ceil(chunk / 256) serial
 * adds per thread, log2(256) = 8 tree levels, then the same over the group's partials. The bound
 * is (d + 1) u (about 2e-6 for the tested sizes).
 */
export function sumSquaresRelBound(chunkSize: number, chunksInGroup: number): number {
  const d = 1 + Math.ceil(chunkSize / 256) + 8 + Math.ceil(chunksInGroup / 256) + 8;
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
