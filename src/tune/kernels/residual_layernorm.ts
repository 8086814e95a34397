/**
 * The residual-plus-layernorm's tuning entry: x = a + b, then its layernorm with a bias, on
 * zero-filled tensors (timing does not depend on the values); the layernorm's own variant is its
 * chooser's, as in the model.
 */
import {
  prepareResidualLayerNorm,
  RESIDUAL_LAYERNORM_VARIANT_REGISTRY,
  type ResidualLayerNormProblem,
} from '../../ops/residualLayernorm';
import { residualLayernormSelfTest } from '../../ops/selftest/residualLayernorm';
import { asVariant } from '../../ops/variants';
import type { TunableKernelEntry } from '../entry';

export const residualLayerNormTuning: TunableKernelEntry<Required<ResidualLayerNormProblem>> = {
  registry: RESIDUAL_LAYERNORM_VARIANT_REGISTRY,
  selfTest: residualLayernormSelfTest,
  async prepareTiming(ctx, { rows, width }, variant, { tensor }) {
    const n = rows * width;
    return [
      await prepareResidualLayerNorm(ctx, {
        a: tensor(n, 'a'),
        b: tensor(n, 'b'),
        x: tensor(n, 'x'),
        gain: tensor(width, 'gain'),
        bias: tensor(width, 'bias'),
        y: tensor(n, 'y'),
        mean: tensor(rows, 'mean'),
        rstd: tensor(rows, 'rstd'),
        rows,
        width,
        variant: asVariant(RESIDUAL_LAYERNORM_VARIANT_REGISTRY, variant),
      }),
    ];
  },
};
