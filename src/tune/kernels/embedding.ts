/**
 * The embedding's tuning entry. The variants differ in the backward only (d tok_emb): it times
 * that, over one sequence of `tokens` positions (zero ids are valid).
 */
import {
  EMBEDDING_VARIANT_REGISTRY,
  prepareEmbeddingBackward,
  type EmbeddingProblem,
} from '../../ops/embedding';
import { embeddingSelfTest } from '../../ops/selftest/embedding';
import { asVariant } from '../../ops/variants';
import type { TunableKernelEntry } from '../entry';

export const embeddingTuning: TunableKernelEntry<Required<EmbeddingProblem>> = {
  registry: EMBEDDING_VARIANT_REGISTRY,
  selfTest: embeddingSelfTest,
  async prepareTiming(ctx, { vocab, dim, tokens }, variant, scratch) {
    const t = scratch.tensor;
    return [
      await prepareEmbeddingBackward(ctx, {
        batch: 1,
        seq: tokens,
        vocab,
        dim,
        tokens: t(tokens, 'tokens', 'u32'),
        dOut: t(tokens * dim, 'dOut'),
        dTok: t(vocab * dim, 'dTok'),
        dPos: t(tokens * dim, 'dPos'),
        variant: asVariant(EMBEDDING_VARIANT_REGISTRY, variant),
      }),
    ];
  },
};
