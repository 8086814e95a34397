/** Float64 reference layernorm (last dimension) with the same contract as kernels/layernorm.wgsl. */
export type Numbers = ArrayLike<number>;

export interface LayerNormShape {
  rows: number;
  width: number;
  eps?: number;
}

export interface LayerNormForwardResult {
  y: Float64Array;
  mean: Float64Array;
  /** 1 / sqrt(biased variance + eps) per row. */
  rstd: Float64Array;
}

export interface LayerNormBackwardResult {
  dx: Float64Array;
  dgain: Float64Array;
  /** Present when the forward had a bias. */
  dbias?: Float64Array;
}

export const LAYERNORM_REF_EPS = 1e-5;

/** y = (x - mean) * rstd * gain + bias per row; bias optional. */
export function layerNormForwardRef(
  x: Numbers,
  gain: Numbers,
  bias: Numbers | undefined,
  s: LayerNormShape,
): LayerNormForwardResult {
  const { rows, width } = s;
  const eps = s.eps ?? LAYERNORM_REF_EPS;
  const y = new Float64Array(rows * width);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let sum = 0;
    for (let j = 0; j < width; j++) sum += x[o + j];
    const mu = sum / width;
    let q = 0;
    for (let j = 0; j < width; j++) q += (x[o + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(q / width + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < width; j++) {
      y[o + j] = (x[o + j] - mu) * rs * gain[j] + (bias ? bias[j] : 0);
    }
  }
  return { y, mean, rstd };
}

/**
 * Gradients of sum(dy * y) with respect to x, gain and (if hasBias) bias, using the saved
 * per-row mean and rstd. Accumulation (dxBeta, paramBeta) is applied by the caller.
 */
export function layerNormBackwardRef(
  x: Numbers,
  gain: Numbers,
  mean: Numbers,
  rstd: Numbers,
  dy: Numbers,
  s: LayerNormShape,
  hasBias: boolean,
): LayerNormBackwardResult {
  const { rows, width } = s;
  const dx = new Float64Array(rows * width);
  const dgain = new Float64Array(width);
  const dbias = hasBias ? new Float64Array(width) : undefined;
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    const mu = mean[r];
    const rs = rstd[r];
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < width; j++) {
      const g = dy[o + j] * gain[j];
      const xhat = (x[o + j] - mu) * rs;
      sg += g;
      sgx += g * xhat;
      dgain[j] += dy[o + j] * xhat;
      if (dbias) dbias[j] += dy[o + j];
    }
    sg /= width;
    sgx /= width;
    for (let j = 0; j < width; j++) {
      const g = dy[o + j] * gain[j];
      const xhat = (x[o + j] - mu) * rs;
      dx[o + j] = rs * (g - sg - xhat * sgx);
    }
  }
  return { dx, dgain, dbias };
}
