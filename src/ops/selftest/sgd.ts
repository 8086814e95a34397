/**
 * sgd self-test: three steps over four tensors (7, 33 in group 0; 70, 5 in group 1) with gaps
 * between them, per-tensor lr and weight decay, momentum 0.9, clip 1 applied to group 0 on step 1
 * and to group 1 on step 2, chunks of 32, lr scale 1, 0.5, 2. Bounds: sgdAddStep, sgdParamBound,
 * sgdBufBound (src/ops/errorBounds.ts), which the kernel test also holds it to. Elements outside
 * every tensor must keep their bits.
 */
import { writeTensor } from '../../gpu';
import { sgdStepRef } from '../../reference/sgd';
import { Rng } from '../../util/random';
import { ADAMW_VARIANT_REGISTRY, adamwVariantOn } from '../adamw';
import { sgdAddStep, sgdBufBound, sgdParamBound } from '../errorBounds';
import { prepareSgd, type SgdTensor } from '../sgd';
import { asVariant } from '../variants';
import { exact, worstRatio, scopedSelfTest } from './common';

const MOMENTUM = 0.9;
const CLIP = 1;

/** [length, group, lr, weight decay] of each tensor. */
const SPECS: ReadonlyArray<[number, number, number, number]> = [
  [7, 0, 0.2, 0],
  [33, 0, 0.05, 0.1],
  [70, 1, 0.1, 0.01],
  [5, 1, 0.4, 0],
];

/** Gradient scale per step (rows) and group (columns): each group clipped on one step. */
const GRAD_SCALES = [
  [1, 0.05],
  [0.05, 1],
  [0.1, 0.1],
];
const LR_SCALES = [1, 0.5, 2];

export const sgdSelfTest = scopedSelfTest('sgd', async (scope, worst, variantName) => {
  const { ctx } = scope;
  const tensors: SgdTensor[] = [];
  let offset = 3; // elements before, between and after the tensors belong to none
  SPECS.forEach(([length, group, lr, weightDecay], i) => {
    tensors.push({ name: `t${i}`, offset, length, group, lr, weightDecay });
    offset += length + 2;
  });
  const n = offset + 2;
  const forced = asVariant(ADAMW_VARIANT_REGISTRY, variantName);
  const variant = adamwVariantOn(ctx, n, tensors.length, forced);
  const rng = new Rng(29);
  const p0 = rng.normalArray(n, 0.5);
  const params = scope.upload(p0, 'params');
  const grads = scope.upload(new Float32Array(n), 'grads');
  const buf = scope.upload(new Float32Array(n), 'buf');
  const op = await scope.op(
    prepareSgd(ctx, {
      params,
      grads,
      buf,
      tensors,
      momentum: MOMENTUM,
      clip: CLIP,
      chunkSize: 32,
      variant,
    }),
  );
  const ref = { params: Float64Array.from(p0), buf: new Float64Array(n) };
  const bounds = { params: new Float64Array(n), bufAbs: new Float64Array(n) };
  for (let s = 0; s < GRAD_SCALES.length; s++) {
    const g = rng.normalArray(n);
    for (const t of tensors) {
      for (let i = t.offset; i < t.offset + t.length; i++) g[i] *= GRAD_SCALES[s][t.group ?? 0];
    }
    writeTensor(ctx, grads, g);
    op.setLrScale(LR_SCALES[s]);
    await scope.run([op], 'selftest sgd');
    const before = Float64Array.from(ref.params);
    const o = { momentum: Math.fround(MOMENTUM), lrScale: LR_SCALES[s], clip: CLIP };
    const res = sgdStepRef(ref, g, tensors, o);
    sgdAddStep(bounds, g, tensors, before, { ...o, ...res });
  }

  const got = await scope.read(params);
  const inside = new Uint8Array(n);
  for (const t of tensors) inside.fill(1, t.offset, t.offset + t.length);
  worst.add(
    'params',
    worstRatio(got, ref.params, (i) =>
      inside[i] ? sgdParamBound(bounds, i, ref.params[i]) : Infinity,
    ),
  );
  worst.add(
    'params outside every tensor',
    exact(got.every((p, i) => inside[i] === 1 || Object.is(p, p0[i]))),
  );
  worst.add(
    'momentum buffer',
    worstRatio(await scope.read(buf), ref.buf, (i) => sgdBufBound(bounds, i)),
  );
  return `[${variant}] 4 tensors in 2 groups, 3 steps, each group clipped once`;
});
