/**
 * AdamW's tuning entry: one step over `params` zero parameters (zero gradients are finite: the
 * update runs) in `tensors` equal tensors, clipping on, as a training step runs it.
 */
import { ADAMW_VARIANT_REGISTRY, prepareAdamW, type AdamWProblem } from '../../ops/adamw';
import { adamwSelfTest } from '../../ops/selftest/adamw';
import { asVariant } from '../../ops/variants';
import type { TunableKernelEntry } from '../entry';

export const adamwTuning: TunableKernelEntry<Required<AdamWProblem>> = {
  registry: ADAMW_VARIANT_REGISTRY,
  selfTest: adamwSelfTest,
  async prepareTiming(ctx, { params, tensors: count }, variant, scratch) {
    const t = scratch.tensor;
    const per = Math.ceil(params / count);
    const tensors = Array.from({ length: count }, (_, i) => ({
      offset: Math.min(i * per, params),
      length: Math.max(0, Math.min(per, params - i * per)),
      lr: 1e-3,
    }));
    return [
      await prepareAdamW(ctx, {
        params: t(params, 'params'),
        grads: t(params, 'grads'),
        m: t(params, 'm'),
        v: t(params, 'v'),
        tensors,
        clip: 1,
        variant: asVariant(ADAMW_VARIANT_REGISTRY, variant),
      }),
    ];
  },
};
