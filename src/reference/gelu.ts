/** Float64 reference GELU (tanh form) with the same contract as kernels/gelu.wgsl. */
export type Numbers = ArrayLike<number>;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const C = 0.044715;

/**
 * 1 + tanh(z) and 1 - tanh(z)^2 for z = sqrt(2/pi) (x + C x^3), and dz/dx. Written through
 * s = 1 - tanh(|z|) = 2 / (exp(2|z|) + 1) so that neither tail cancels (exact identities).
 */
export function geluParts(x: number): { onePlusTanh: number; sech2: number; dz: number } {
  const z = SQRT_2_OVER_PI * (x + C * x * x * x);
  const s = 2 / (Math.exp(2 * Math.abs(z)) + 1);
  return {
    onePlusTanh: z < 0 ? s : 2 - s,
    sech2: s * (2 - s),
    dz: SQRT_2_OVER_PI * (1 + 3 * C * x * x),
  };
}

export function geluRef(x: Numbers): Float64Array {
  return Float64Array.from(
    { length: x.length },
    (_, i) => 0.5 * x[i] * geluParts(x[i]).onePlusTanh,
  );
}

/** dx = dy * gelu'(x). */
export function geluBackwardRef(x: Numbers, dy: Numbers): Float64Array {
  return Float64Array.from({ length: x.length }, (_, i) => {
    const t = geluParts(x[i]);
    return dy[i] * (0.5 * t.onePlusTanh + 0.5 * x[i] * t.sech2 * t.dz);
  });
}
