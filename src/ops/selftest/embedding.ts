/**
 * embedding self-test: forward and accumulating backward (beta = 1), batch 5 x seq 53 (265 tokens:
 * past one 256-token staging block), vocab 11, dim 33, a position table of 64 rows (rows past seq
 * get zero gradient), alpha_in = 0.37, two invalid ids (vocab and 2^32 - 1). Bounds:
 * embeddingOutBound and embeddingGradBound (src/ops/errorBounds.ts), which the kernel test also
 * holds it to.
 */
import { embeddingBackwardRef, embeddingRef } from '../../reference/embedding';
import { Rng } from '../../util/random';
import {
  EMBEDDING_VARIANT_REGISTRY,
  prepareEmbeddingBackward,
  prepareEmbeddingForward,
  type EmbeddingBackwardVariant,
  type EmbeddingShape,
} from '../embedding';
import { embeddingGradBound, embeddingGradScales, embeddingOutBound } from '../errorBounds';
import { asVariant } from '../variants';
import { worstRatio, scopedSelfTest, type SelfTestScope } from './common';

export interface EmbeddingRun {
  shape: EmbeddingShape;
  data: {
    tokens: Uint32Array;
    tok: Float32Array;
    pos: Float32Array;
    dOut: Float32Array;
    /** dTok and dPos before the backward (it accumulates into them with beta, posBeta). */
    dTok0: Float32Array;
    dPos0: Float32Array;
  };
  beta: number;
  posBeta?: number;
  variant?: EmbeddingBackwardVariant;
}

/**
 * The embedding forward and backward in one submission (the kernel test and the self-test);
 * `again` runs the backward once more over the same inputs and reads dTok and dPos.
 */
export async function runEmbedding(scope: SelfTestScope, r: EmbeddingRun) {
  const { ctx } = scope;
  const { tokens, tok, pos, dOut, dTok0, dPos0 } = r.data;
  const tTokens = scope.upload(tokens, 'tokens');
  const tOut = scope.output(tokens.length * r.shape.dim, 'out');
  const tdTok = scope.upload(dTok0, 'dTok');
  const tdPos = scope.upload(dPos0, 'dPos');
  const fwd = await scope.op(
    prepareEmbeddingForward(ctx, {
      ...r.shape,
      tokens: tTokens,
      tokEmb: scope.upload(tok, 'tokEmb'),
      posEmb: scope.upload(pos, 'posEmb'),
      out: tOut,
    }),
  );
  const bwd = await scope.op(
    prepareEmbeddingBackward(ctx, {
      ...r.shape,
      beta: r.beta,
      ...(r.posBeta === undefined ? {} : { posBeta: r.posBeta }),
      variant: r.variant,
      tokens: tTokens,
      dOut: scope.upload(dOut, 'dOut'),
      dTok: tdTok,
      dPos: tdPos,
    }),
  );
  await scope.run([fwd, bwd], 'embedding');
  const grads = async () => ({ dTok: await scope.read(tdTok), dPos: await scope.read(tdPos) });
  const again = async () => {
    await scope.run([bwd], 'embedding backward');
    return grads();
  };
  return { out: await scope.read(tOut), ...(await grads()), again };
}

export const embeddingSelfTest = scopedSelfTest('embedding', async (scope, worst, variantName) => {
  const variant = asVariant(EMBEDDING_VARIANT_REGISTRY, variantName);
  const shape = { batch: 5, seq: 53, vocab: 11, dim: 33, posRows: 64, alpha: 0.37 };
  const { batch, seq, vocab, dim, posRows, alpha } = shape;
  const beta = 1;
  const rng = new Rng(13);
  const n = batch * seq;
  const tokens = Uint32Array.from({ length: n }, () => rng.int(vocab));
  tokens[0] = vocab;
  tokens[n - 1] = 0xffffffff;
  const tok = rng.uniformArray(vocab * dim);
  const pos = rng.uniformArray(posRows * dim);
  const dOut = rng.uniformArray(n * dim);
  const dTok0 = rng.uniformArray(vocab * dim);
  const dPos0 = rng.uniformArray(posRows * dim);

  const got = await runEmbedding(scope, {
    shape,
    data: { tokens, tok, pos, dOut, dTok0, dPos0 },
    beta,
    variant,
  });

  const outBound = (i: number) => {
    const bt = Math.floor(i / dim);
    const d = i % dim;
    const id = tokens[bt];
    return id < vocab
      ? embeddingOutBound(alpha, tok[id * dim + d], pos[(bt % seq) * dim + d])
      : 1e-38;
  };
  worst.add('out', worstRatio(got.out, embeddingRef(tokens, tok, pos, shape), outBound));

  const ref = embeddingBackwardRef(tokens, dOut, shape);
  const { abs: absRef, counts } = embeddingGradScales(tokens, dOut, shape);
  const check = (
    part: string,
    got: Float32Array,
    g: Float64Array,
    abs: Float64Array,
    old: Float32Array,
    count: (i: number) => number,
  ) => {
    const want = g.map((v, i) => v + beta * old[i]);
    const bound = (i: number) => embeddingGradBound(count(i), abs[i], beta * old[i], want[i]);
    worst.add(part, worstRatio(got, want, bound));
  };
  check('dTok', got.dTok, ref.dTok, absRef.dTok, dTok0, (i) => {
    return counts[Math.floor(i / dim)];
  });
  check('dPos', got.dPos, ref.dPos, absRef.dPos, dPos0, () => batch);
  return `${batch}x${seq} tokens, vocab ${vocab}, dim ${dim}, 2 invalid ids, accumulating backward`;
});
