/**
 * SGD with momentum on the GPU: the momentum buffer (zeroed, in the parameters' layout) and one
 * sgd.wgsl dispatch over every tensor of every run, whose table holds each tensor's lr and weight
 * decay (MuSGD's rules under µP: src/mup/optimizers.ts SGD_RULES); each run is one group for the
 * gradient-norm clip and the non-finite skip.
 */
import { releaseTensor, uploadTensor } from '../../gpu';
import { DEFAULT_MOMENTUM } from '../../mup/rules';
import { prepareSgd } from '../../ops/sgd';
import { stackedTensors } from './tensorTable';
import type { GpuOptimizer } from './types';

export const sgdGpu: GpuOptimizer = {
  name: 'sgd',
  async prepare(ctx, setup) {
    const { model, transfers } = setup;
    const zeros = new Float32Array(model.layout.totalSize);
    const buf = uploadTensor(ctx, zeros, [zeros.length], 'sgd momentum');
    const { momentum, clip } = transfers[0].optimizer;
    try {
      const op = await prepareSgd(ctx, {
        params: model.params,
        grads: model.grads,
        buf,
        tensors: stackedTensors(setup),
        groups: transfers.length,
        momentum: momentum ?? DEFAULT_MOMENTUM,
        clip,
        label: 'sgd',
      });
      return {
        label: op.label,
        stats: op.stats,
        encode: (pass) => op.encode(pass),
        // SGD's update has no step-dependent term: only the schedule's factor changes.
        setStep: (_step, lrScale) => {
          if (lrScale !== undefined) op.setLrScale(lrScale);
        },
        release() {
          op.release();
          releaseTensor(ctx, buf);
        },
      };
    } catch (e) {
      releaseTensor(ctx, buf);
      throw e;
    }
  },
};
