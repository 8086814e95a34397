/** The cross-entropy's tuning entry: the fused forward and backward (zero targets are valid ids). */
import {
  CROSS_ENTROPY_VARIANT_REGISTRY,
  prepareCrossEntropy,
  type CrossEntropyProblem,
} from '../../ops/cross_entropy';
import { crossEntropySelfTest } from '../../ops/selftest/cross_entropy';
import { asVariant } from '../../ops/variants';
import type { TunableKernelEntry } from '../entry';

export const crossEntropyTuning: TunableKernelEntry<Required<CrossEntropyProblem>> = {
  registry: CROSS_ENTROPY_VARIANT_REGISTRY,
  selfTest: crossEntropySelfTest,
  async prepareTiming(ctx, { rows, vocab }, variant, scratch) {
    return [
      await prepareCrossEntropy(ctx, {
        logits: scratch.tensor(rows * vocab, 'logits'),
        targets: scratch.tensor(rows, 'targets', 'u32'),
        dLogits: scratch.tensor(rows * vocab, 'dLogits'),
        rows,
        vocab,
        variant: asVariant(CROSS_ENTROPY_VARIANT_REGISTRY, variant),
      }),
    ];
  },
};
