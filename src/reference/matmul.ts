/** Float64 reference matmul with the same contract as kernels/matmul.wgsl. */
export interface MatmulShape {
  m: number;
  k: number;
  n: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Per-batch element strides; 0 broadcasts one matrix over the batch. Default: dense. */
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** Elements between two batches' biases; default 0: one bias shared by the batch. */
  strideBias?: number;
  alpha?: number;
  beta?: number;
}

export type Numbers = ArrayLike<number>;

/** C = alpha * op(A) op(B) + bias (batch z's at z · strideBias) + beta * C0, as a new Float64Array. */
export function matmulRef(
  a: Numbers,
  b: Numbers,
  s: MatmulShape,
  bias?: Numbers,
  c0?: Numbers,
): Float64Array {
  const { m, k, n } = s;
  const batch = s.batch ?? 1;
  const strideA = s.strideA ?? m * k;
  const strideB = s.strideB ?? k * n;
  const strideC = s.strideC ?? m * n;
  const alpha = s.alpha ?? 1;
  const beta = s.beta ?? 0;
  const out = new Float64Array((batch - 1) * strideC + m * n);
  for (let z = 0; z < batch; z++) {
    const oa = z * strideA;
    const ob = z * strideB;
    const oc = z * strideC;
    const ob0 = z * (s.strideBias ?? 0);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = s.transA ? a[oa + p * m + i] : a[oa + i * k + p];
          const bv = s.transB ? b[ob + j * k + p] : b[ob + p * n + j];
          sum += av * bv;
        }
        let v = alpha * sum;
        if (bias) v += bias[ob0 + j];
        if (beta !== 0 && c0) v += beta * c0[oc + i * n + j];
        out[oc + i * n + j] = v;
      }
    }
  }
  return out;
}

/** Sum over k of |op(A)_ip| |op(B)_pj| per output: the scale that f32 rounding error grows with. */
export function matmulAbsScale(a: Numbers, b: Numbers, s: MatmulShape): Float64Array {
  const abs = (x: Numbers) => Float64Array.from({ length: x.length }, (_, i) => Math.abs(x[i]));
  return matmulRef(abs(a), abs(b), { ...s, alpha: Math.abs(s.alpha ?? 1), beta: 0 });
}
