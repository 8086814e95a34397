/** The layernorm's tuning entry: forward and backward over the problem's rows. */
import {
  LAYERNORM_VARIANT_REGISTRY,
  prepareLayerNormBackward,
  prepareLayerNormForward,
  type LayerNormProblem,
} from '../../ops/layernorm';
import { layernormSelfTest } from '../../ops/selftest/layernorm';
import { asVariant } from '../../ops/variants';
import type { TunableKernelEntry } from '../entry';

export const layernormTuning: TunableKernelEntry<Required<LayerNormProblem>> = {
  registry: LAYERNORM_VARIANT_REGISTRY,
  selfTest: layernormSelfTest,
  async prepareTiming(ctx, { rows, width }, variantName, scratch) {
    const t = scratch.tensor;
    const variant = asVariant(LAYERNORM_VARIANT_REGISTRY, variantName);
    const x = t(rows * width, 'x');
    const gain = t(width, 'gain');
    const mean = t(rows, 'mean');
    const rstd = t(rows, 'rstd');
    const common = { x, gain, mean, rstd, rows, width, variant };
    const forward = await prepareLayerNormForward(ctx, { ...common, y: t(rows * width, 'y') });
    try {
      const backward = await prepareLayerNormBackward(ctx, {
        ...common,
        dy: t(rows * width, 'dy'),
        dx: t(rows * width, 'dx'),
        dgain: t(width, 'dgain'),
      });
      return [forward, backward];
    } catch (e) {
      forward.release();
      throw e;
    }
  },
};
