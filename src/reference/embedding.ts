/** Float64 reference token + position embedding with the same contract as kernels/embedding.wgsl. */
export type Numbers = ArrayLike<number>;

export interface EmbeddingRefShape {
  batch: number;
  /** Tokens per sequence (the position rows used). */
  seq: number;
  vocab: number;
  dim: number;
  /**
   * Rows of the position table (the context length), >= seq. The backward writes all of them:
   * rows seq..posRows-1 get zero gradient. Default seq.
   */
  posRows?: number;
  /** Input multiplier alpha_in. Default 1. */
  alpha?: number;
}

/** out[b, t, :] = alpha (tokEmb[tokens[b, t], :] + posEmb[t, :]); ids >= vocab give zeros. */
export function embeddingRef(
  tokens: Numbers,
  tokEmb: Numbers,
  posEmb: Numbers,
  s: EmbeddingRefShape,
): Float64Array {
  const { batch, seq, vocab, dim } = s;
  const alpha = s.alpha ?? 1;
  const out = new Float64Array(batch * seq * dim);
  for (let bt = 0; bt < batch * seq; bt++) {
    const id = tokens[bt];
    if (id >= vocab) continue;
    const t = bt % seq;
    for (let d = 0; d < dim; d++) {
      out[bt * dim + d] = alpha * (tokEmb[id * dim + d] + posEmb[t * dim + d]);
    }
  }
  return out;
}

/** Gradients of sum(dOut * out) with respect to both tables (accumulation left to the caller). */
export function embeddingBackwardRef(
  tokens: Numbers,
  dOut: Numbers,
  s: EmbeddingRefShape,
): { dTok: Float64Array; dPos: Float64Array } {
  const { batch, seq, vocab, dim } = s;
  const alpha = s.alpha ?? 1;
  const dTok = new Float64Array(vocab * dim);
  const dPos = new Float64Array((s.posRows ?? seq) * dim);
  for (let bt = 0; bt < batch * seq; bt++) {
    const id = tokens[bt];
    if (id >= vocab) continue;
    const t = bt % seq;
    for (let d = 0; d < dim; d++) {
      dTok[id * dim + d] += alpha * dOut[bt * dim + d];
      dPos[t * dim + d] += alpha * dOut[bt * dim + d];
    }
  }
  return { dTok, dPos };
}
