/**
 * adamw self-test: two steps over five tensors (7, 33, 70 in group 0; 33, 5 in group 1) with gaps
 * between them, per-tensor lr, eps and weight decay, clip 1 applied to group 0 on step 1 and to
 * group 1 on step 2 (norms ~10 and ~6 against ~0.5 and ~0.3 otherwise), chunks of 32, lr scale 1
 * then 0.5. Bounds: adamwAddStep, adamwParamBound, adamwMBound, adamwVBound
 * (src/ops/errorBounds.ts), which the kernel test also holds it to. Elements outside every tensor
 * must keep their bits.
 */
import { writeTensor } from '../../gpu';
import { adamwStepRef } from '../../reference/adamw';
import { Rng } from '../../util/random';
import { ADAMW_VARIANT_REGISTRY, adamwVariantOn, prepareAdamW, type AdamWTensor } from '../adamw';
import { adamwAddStep, adamwMBound, adamwParamBound, adamwVBound } from '../errorBounds';
import { asVariant } from '../variants';
import { exact, worstRatio, scopedSelfTest } from './common';

const BETA1 = 0.9;
const BETA2 = 0.999;
const CLIP = 1;

/** [length, group, lr, eps, weight decay] of each tensor. */
const SPECS: ReadonlyArray<[number, number, number, number, number]> = [
  [7, 0, 0.02, 1e-8, 0],
  [33, 0, 0.01, 1e-3, 0.1],
  [70, 0, 0.04, 1e-5, 0.01],
  [33, 1, 0.01, 1e-8, 0.05],
  [5, 1, 0.03, 3e-3, 0],
];

/** Gradient scale per step (rows) and group (columns): each group clipped on one step. */
const GRAD_SCALES = [
  [1, 0.05],
  [0.05, 1],
];
const LR_SCALES = [1, 0.5];

export const adamwSelfTest = scopedSelfTest('adamw', async (scope, worst, variantName) => {
  const { ctx } = scope;
  const tensors: AdamWTensor[] = [];
  let offset = 3; // elements before, between and after the tensors belong to none
  SPECS.forEach(([length, group, lr, eps, weightDecay], i) => {
    tensors.push({ name: `t${i}`, offset, length, group, lr, eps, weightDecay });
    offset += length + 2;
  });
  const n = offset + 2;
  const variant = adamwVariantOn(
    ctx,
    n,
    tensors.length,
    asVariant(ADAMW_VARIANT_REGISTRY, variantName),
  );
  const rng = new Rng(23);
  const p0 = rng.normalArray(n, 0.5);
  const params = scope.upload(p0, 'params');
  const grads = scope.upload(new Float32Array(n), 'grads');
  const tm = scope.upload(new Float32Array(n), 'm');
  const tv = scope.upload(new Float32Array(n), 'v');
  const op = await scope.op(
    prepareAdamW(ctx, {
      params,
      grads,
      m: tm,
      v: tv,
      tensors,
      beta1: BETA1,
      beta2: BETA2,
      clip: CLIP,
      chunkSize: 32,
      variant,
    }),
  );
  const ref = { params: Float64Array.from(p0), m: new Float64Array(n), v: new Float64Array(n) };
  const bounds = { params: new Float64Array(n), mAbs: new Float64Array(n) };

  for (let s = 0; s < 2; s++) {
    const step = s + 1;
    const g = rng.normalArray(n);
    for (const t of tensors) {
      for (let i = t.offset; i < t.offset + t.length; i++) g[i] *= GRAD_SCALES[s][t.group ?? 0];
    }
    writeTensor(ctx, grads, g);
    op.setStep(step, LR_SCALES[s]);
    await scope.run([op], 'selftest adamw');

    const before = Float64Array.from(ref.params);
    const opts = { step, beta1: BETA1, beta2: BETA2, lrScale: LR_SCALES[s], clip: CLIP };
    const res = adamwStepRef(ref, g, tensors, {
      ...opts,
      beta1: Math.fround(BETA1),
      beta2: Math.fround(BETA2),
    });
    adamwAddStep(bounds, g, tensors, before, ref, { ...opts, ...res });
  }

  const got = await scope.read(params);
  const inside = new Uint8Array(n);
  for (const t of tensors) inside.fill(1, t.offset, t.offset + t.length);
  const pBound = (i: number) => adamwParamBound(bounds, i, ref.params[i]);
  worst.add(
    'params',
    worstRatio(got, ref.params, (i) => (inside[i] ? pBound(i) : Infinity)),
  );
  worst.add(
    'params outside every tensor',
    exact(got.every((p, i) => inside[i] === 1 || Object.is(p, p0[i]))),
  );
  worst.add(
    'm',
    worstRatio(await scope.read(tm), ref.m, (i) => adamwMBound(bounds, i)),
  );
  worst.add(
    'v',
    worstRatio(await scope.read(tv), ref.v, (i) => adamwVBound(ref.v[i])),
  );
  return `[${variant}] 5 tensors in 2 groups, 2 steps, each group clipped on one step`;
});
