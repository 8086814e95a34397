/**
 * Float64 reference of causal multi-head self-attention with the same contract as
 * kernels/attention.wgsl: qkv [B, T, 3, H, D] (slot 0 = Q, 1 = K, 2 = V), out [B, T, H, D],
 * lse [B, H, T], dqkv [B, T, 3, H, D].
 *
 *   S_ij = scale q_i . k_j for j <= i,  P = softmax_rows(S),  O = P V,  LSE_i = log sum_j e^S_ij.
 */
export interface AttentionRefShape {
  batch: number;
  heads: number;
  headSize: number;
  context: number;
  scale: number;
}

export type Numbers = ArrayLike<number>;

export interface AttentionForwardResult {
  out: Float64Array;
  lse: Float64Array;
}

function indexers(s: AttentionRefShape) {
  const { heads: H, headSize: D, context: T } = s;
  return {
    /** Index of qkv[b, t, slot, h, 0]. */
    qkv: (b: number, t: number, slot: number, h: number) => (((b * T + t) * 3 + slot) * H + h) * D,
    /** Index of out[b, t, h, 0]. */
    out: (b: number, t: number, h: number) => ((b * T + t) * H + h) * D,
    /** Index of lse[b, h, t]. */
    row: (b: number, h: number, t: number) => (b * H + h) * T + t,
  };
}

/** Softmax probabilities P[i][j], j <= i, of one (batch, head), and the rows' log-sum-exp. */
function probabilities(
  qkv: Numbers,
  s: AttentionRefShape,
  b: number,
  h: number,
): { p: Float64Array[]; lse: Float64Array } {
  const { headSize: D, context: T, scale } = s;
  const at = indexers(s);
  const p: Float64Array[] = [];
  const lse = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    const row = new Float64Array(i + 1);
    const qi = at.qkv(b, i, 0, h);
    let max = -Infinity;
    for (let j = 0; j <= i; j++) {
      const kj = at.qkv(b, j, 1, h);
      let dot = 0;
      for (let d = 0; d < D; d++) dot += qkv[qi + d] * qkv[kj + d];
      row[j] = scale * dot;
      max = Math.max(max, row[j]);
    }
    let sum = 0;
    for (let j = 0; j <= i; j++) {
      row[j] = Math.exp(row[j] - max);
      sum += row[j];
    }
    for (let j = 0; j <= i; j++) row[j] /= sum;
    lse[i] = max + Math.log(sum);
    p.push(row);
  }
  return { p, lse };
}

export function attentionForwardRef(qkv: Numbers, s: AttentionRefShape): AttentionForwardResult {
  const { batch: B, heads: H, headSize: D, context: T } = s;
  const at = indexers(s);
  const out = new Float64Array(B * T * H * D);
  const lse = new Float64Array(B * H * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const { p, lse: rowLse } = probabilities(qkv, s, b, h);
      for (let i = 0; i < T; i++) {
        const oi = at.out(b, i, h);
        for (let j = 0; j <= i; j++) {
          const vj = at.qkv(b, j, 2, h);
          for (let d = 0; d < D; d++) out[oi + d] += p[i][j] * qkv[vj + d];
        }
        lse[at.row(b, h, i)] = rowLse[i];
      }
    }
  }
  return { out, lse };
}

/** Gradient of the loss with respect to qkv, given dout = dLoss/dout ([B, T, H, D]). */
export function attentionBackwardRef(
  qkv: Numbers,
  dout: Numbers,
  s: AttentionRefShape,
): Float64Array {
  const { batch: B, heads: H, headSize: D, context: T, scale } = s;
  const at = indexers(s);
  const dqkv = new Float64Array(B * T * 3 * H * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const { p } = probabilities(qkv, s, b, h);
      for (let i = 0; i < T; i++) {
        const gi = at.out(b, i, h);
        // dP_ij = dO_i . v_j; dS_ij = P_ij (dP_ij - sum_k P_ik dP_ik).
        const dp = new Float64Array(i + 1);
        let rowDot = 0;
        for (let j = 0; j <= i; j++) {
          const vj = at.qkv(b, j, 2, h);
          let dot = 0;
          for (let d = 0; d < D; d++) dot += dout[gi + d] * qkv[vj + d];
          dp[j] = dot;
          rowDot += p[i][j] * dot;
        }
        const qi = at.qkv(b, i, 0, h);
        for (let j = 0; j <= i; j++) {
          const kj = at.qkv(b, j, 1, h);
          const vj = at.qkv(b, j, 2, h);
          const ds = scale * p[i][j] * (dp[j] - rowDot);
          for (let d = 0; d < D; d++) {
            dqkv[qi + d] += ds * qkv[kj + d];
            dqkv[kj + d] += ds * qkv[qi + d];
            dqkv[vj + d] += p[i][j] * dout[gi + d];
          }
        }
      }
    }
  }
  return dqkv;
}
