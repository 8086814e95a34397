/**
 * AdamW on the GPU: the first and second moments (zeroed, in the parameters' layout) and one
 * adamw.wgsl dispatch over every tensor of every run, whose table holds each tensor's lr, ε and
 * weight decay; each run is one group for the gradient-norm clip and the non-finite skip.
 */
import { releaseTensor, uploadTensor, type GpuTensor } from '../../gpu';
import { prepareAdamW } from '../../ops/adamw';
import { stackedTensors } from './tensorTable';
import type { GpuOptimizer } from './types';

export const adamwGpu: GpuOptimizer = {
  name: 'adamw',
  async prepare(ctx, setup) {
    const { model, transfers } = setup;
    const zeros = new Float32Array(model.layout.totalSize);
    const moments: GpuTensor[] = [
      uploadTensor(ctx, zeros, [zeros.length], 'adam m'),
      uploadTensor(ctx, zeros, [zeros.length], 'adam v'),
    ];
    const releaseMoments = () => moments.forEach((t) => releaseTensor(ctx, t));
    const { beta1, beta2, clip } = transfers[0].optimizer;
    try {
      const op = await prepareAdamW(ctx, {
        params: model.params,
        grads: model.grads,
        m: moments[0],
        v: moments[1],
        tensors: stackedTensors(setup),
        groups: transfers.length,
        beta1,
        beta2,
        clip,
        label: 'adamw',
      });
      return {
        label: op.label,
        stats: op.stats,
        encode: (pass) => op.encode(pass),
        setStep: (step, lrScale) => op.setStep(step, lrScale),
        release() {
          op.release();
          releaseMoments();
        },
      };
    } catch (e) {
      releaseMoments();
      throw e;
    }
  },
};
