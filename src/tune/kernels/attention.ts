/** The attention's tuning entry: forward and backward of one causal self-attention. */
import {
  ATTENTION_VARIANT_REGISTRY,
  prepareAttentionBackward,
  prepareAttentionForward,
  type AttentionProblem,
} from '../../ops/attention';
import { attentionSelfTest } from '../../ops/selftest/attention';
import { asVariant, type VariantRegistry } from '../../ops/variants';
import type { TunableKernelEntry } from '../entry';

export const attentionTuning: TunableKernelEntry<AttentionProblem> = {
  // The tuner always passes a problem; the registry also takes none (the thresholds' call).
  registry: ATTENTION_VARIANT_REGISTRY as VariantRegistry<string, AttentionProblem>,
  selfTest: attentionSelfTest,
  async prepareTiming(ctx, problem, variantName, scratch) {
    const t = scratch.tensor;
    const { batch, heads, headSize, context } = problem;
    const variant = asVariant(ATTENTION_VARIANT_REGISTRY, variantName);
    const size = batch * context * heads * headSize;
    const shape = { ...problem, scale: 1 / headSize, variant };
    const qkv = t(3 * size, 'qkv');
    const out = t(size, 'out');
    const lse = t(batch * heads * context, 'lse');
    const forward = await prepareAttentionForward(ctx, { ...shape, qkv, out, lse });
    try {
      const backward = await prepareAttentionBackward(ctx, {
        ...shape,
        qkv,
        out,
        lse,
        dout: t(size, 'dout'),
        dqkv: t(3 * size, 'dqkv'),
      });
      return [forward, backward];
    } catch (e) {
      forward.release();
      throw e;
    }
  },
};
