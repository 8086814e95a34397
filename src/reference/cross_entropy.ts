/** Float64 reference softmax cross-entropy with the same contract as kernels/cross_entropy.wgsl. */
export type Numbers = ArrayLike<number>;

export interface CrossEntropyShape {
  rows: number;
  vocab: number;
  /** Stacked runs of rows / runs consecutive rows each. Default 1. */
  runs?: number;
  /** Multiplier on the logits (µP α_out / m). Default 1. */
  logitScale?: number;
  /** Multiplier on the gradient. Default 1. */
  gradScale?: number;
}

export interface CrossEntropyResult {
  /** [rows] logsumexp(z_r) - z_r[t_r], z = logitScale * logits. */
  rowLoss: Float64Array;
  /** [runs] mean of rowLoss over each run's rows. */
  loss: Float64Array;
  /** [rows, vocab] gradient of gradScale * sum over runs of loss[k] w.r.t. the logits. */
  dLogits: Float64Array;
}

export function crossEntropyRef(
  logits: Numbers,
  targets: Numbers,
  s: CrossEntropyShape,
): CrossEntropyResult {
  const { rows, vocab } = s;
  const runs = s.runs ?? 1;
  const scale = s.logitScale ?? 1;
  const gradScale = s.gradScale ?? 1;
  const perRun = rows / runs;
  const rowLoss = new Float64Array(rows);
  const loss = new Float64Array(runs);
  const dLogits = new Float64Array(rows * vocab);
  const z = new Float64Array(vocab);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) {
      z[i] = scale * logits[r * vocab + i];
      max = Math.max(max, z[i]);
    }
    let sum = 0;
    for (let i = 0; i < vocab; i++) sum += Math.exp(z[i] - max);
    const t = targets[r];
    rowLoss[r] = max + Math.log(sum) - z[t];
    loss[Math.floor(r / perRun)] += rowLoss[r] / perRun;
    const coef = (scale * gradScale) / perRun;
    for (let i = 0; i < vocab; i++) {
      dLogits[r * vocab + i] = coef * (Math.exp(z[i] - max) / sum - (i === t ? 1 : 0));
    }
  }
  return { rowLoss, loss, dLogits };
}

/** gradScale * sum over runs of the mean loss: the scalar whose gradient dLogits is. */
export function crossEntropyObjective(
  logits: Numbers,
  targets: Numbers,
  s: CrossEntropyShape,
): number {
  const { loss } = crossEntropyRef(logits, targets, s);
  return (s.gradScale ?? 1) * loss.reduce((a, b) => a + b, 0);
}
