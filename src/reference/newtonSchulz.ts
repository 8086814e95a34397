/**
 * Float64 reference of the Newton-Schulz orthogonalization (Keller Jordan's
 * zeropower_via_newtonschulz5, github.com/KellerJordan/Muon and modded-nanogpt):
 *
 *   X = G / (‖G‖_F + 1e-7), transposed when rows > cols;
 *   repeat: A = X Xᵀ;  B = b A + c A²;  X = a X + B X;
 *   transposed back.
 *
 * with (a, b, c) = (3.4445, -4.7750, 2.0315). Besides the whole iteration, one step on its own
 * with an elementwise bound on the float32 rounding of the kernels' way of computing it
 * (src/ops/newtonSchulz.ts), which the tests use to check each step of the GPU's iteration from
 * the GPU's own input.
 */
export const NS_COEFFICIENTS = [3.4445, -4.775, 2.0315] as const;

/** Normalization's ε, as the reference: X / (‖X‖_F + 1e-7). */
export const NS_NORM_EPS = 1e-7;

type Numbers = ArrayLike<number>;

/** X / (‖X‖_F + 1e-7) of one matrix (any layout: the norm does not see it). */
export function nsNormalizeRef(x: Numbers): Float64Array {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const d = Math.sqrt(s) + NS_NORM_EPS;
  return Float64Array.from(x, (v) => v / d);
}

/** Row-major r x c -> its c x r transpose. */
export function transposeRef(x: Numbers, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = x[i * c + j];
  return t;
}

/** (a, b) -> a·b of row-major [m, k] and [k, n]; `abs` multiplies |a| |b| instead. */
function mm(a: Numbers, b: Numbers, m: number, k: number, n: number, abs = false): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = abs ? Math.abs(a[i * k + p]) : a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < n; j++) {
        out[i * n + j] += aip * (abs ? Math.abs(b[p * n + j]) : b[p * n + j]);
      }
    }
  }
  return out;
}

const u = 2 ** -24;
const gamma = (k: number) => (k * u) / (1 - k * u);

export interface NsStepRef {
  /** One step's exact result from the given X (row-major rows x cols). */
  out: Float64Array;
  /**
   * Per element, a bound on |float32 result - out| when the step is computed from the same X
   * (exactly representable in f32) the way src/ops/newtonSchulz.ts does.
   */
  bound: Float64Array;
}

/**
 * One Newton-Schulz step of a rows x cols matrix, in the orientation the kernels use (no
 * transposes: for rows > cols, A = XᵀX and X' = X·P), with P = aI + bA + cA², which equals the
 * reference's aX + (bA + cA²)X. The bound, to first order in u, follows each f32 operation:
 *
 *   A  = X Xᵀ (dot products of length K = the long side):
 *        |ΔA| ≤ γ_K |X||X|ᵀ + (a 1e-30 floor)
 *   P0 = b·A + a·I (poly kernel: a and b rounded to f32, a product and a sum, each rounded once):
 *        |ΔP0| ≤ |b||ΔA| + 3u (|bA| + a I)
 *   P  = c·(A·A) + P0 (matmul, α = c rounded to f32, β = 1, length S = the short side):
 *        |ΔP| ≤ |ΔP0| + |c| (|ΔA||A| + |A||ΔA|) + γ_S |c| |A||A| + 3u (|P| + |P0|)
 *   X' = P·X (or X·P) (length S):
 *        |ΔX'| ≤ |ΔP||X| + γ_S |P||X| + 3u |X'|
 * (matmulBound's terms in src/ops/errorBounds.ts: γ_K times the sum of absolute products plus
 * one rounding each for α and β·C.) Second-order terms (u²) are left out; the tests take 1% on top.
 */
export function nsStepRef(x: Numbers, rows: number, cols: number): NsStepRef {
  const [a, b, c] = NS_COEFFICIENTS;
  const tall = rows > cols;
  // Work on the wide orientation Y (s x l, s <= l) and transpose back: the arithmetic (and its
  // bound) is the same up to which operand is transposed.
  const s = tall ? cols : rows;
  const l = tall ? rows : cols;
  const y = tall ? transposeRef(x, rows, cols) : Float64Array.from(x);
  const yt = transposeRef(y, s, l);
  const gram = mm(y, yt, s, l, s);
  const gramAbs = mm(y, yt, s, l, s, true);
  const dA = gramAbs.map((v) => gamma(l) * v + 1e-30);
  const p0 = gram.map((v, i) => b * v + (i % (s + 1) === 0 ? a : 0));
  const dP0 = dA.map(
    (v, i) => Math.abs(b) * v + 3 * u * (Math.abs(b * gram[i]) + (i % (s + 1) === 0 ? a : 0)),
  );
  const aa = mm(gram, gram, s, s, s);
  const aaAbs = mm(gram, gram, s, s, s, true);
  const dAxA = mm(dA, gram, s, s, s, true);
  const axdA = mm(gram, dA, s, s, s, true);
  const p = aa.map((v, i) => c * v + p0[i]);
  const dP = p.map(
    (v, i) =>
      dP0[i] +
      Math.abs(c) * (dAxA[i] + axdA[i]) +
      gamma(s) * Math.abs(c) * aaAbs[i] +
      3 * u * (Math.abs(v) + Math.abs(p0[i])),
  );
  const out = mm(p, y, s, s, l);
  const outAbs = mm(p, y, s, s, l, true);
  const dPX = mm(dP, y, s, s, l, true);
  const bound = out.map((v, i) => dPX[i] + gamma(s) * outAbs[i] + 3 * u * Math.abs(v) + 1e-30);
  return tall ? { out: transposeRef(out, s, l), bound: transposeRef(bound, s, l) } : { out, bound };
}

/** The whole iteration on one rows x cols matrix, as Keller Jordan's reference (in float64). */
export function newtonSchulzRef(g: Numbers, rows: number, cols: number, steps = 5): Float64Array {
  let x = nsNormalizeRef(g);
  for (let k = 0; k < steps; k++) x = nsStepRef(x, rows, cols).out;
  return x;
}
