/**
 * adamw self-test: two steps over five tensors (7, 33, 70 in group 0; 33, 5 in group 1) with gaps
 * between them, per-tensor lr, eps and weight decay, clip 1 applied to group 0 on step 1 and to
 * group 1 on step 2 (norms ~10 and ~6 against ~0.5 and ~0.3 otherwise), chunks of 32, lr scale 1
 * then 0.5. Bounds as in src/ops/adamw.test.ts: per element and step 2u |p| plus 128u of the
 * step's update lr (|m^ / (sqrt(v^) + eps)| + wd |p|) (the clip factor from an f32 norm, a few
 * roundings in m, v, sqrt and the bias corrections, and what m and v carry over), then 2u |p| for
 * the final rounding; m within 32u of the moment of |clipped g|, v within 32u of itself. Elements
 * outside every tensor must keep their bits.
 */
import { readTensor, runOps, writeTensor } from '../../gpu';
import { adamwStepRef } from '../../reference/adamw';
import { Rng } from '../../util/random';
import { prepareAdamW, type AdamWTensor } from '../adamw';
import { exact, F32_EPS as u, withScope, worstRatio, Worst, type SelfTest } from './common';

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

export const adamwSelfTest: SelfTest = {
  kernel: 'adamw',
  run: (ctx) =>
    withScope(ctx, async (scope) => {
      const tensors: AdamWTensor[] = [];
      let offset = 3; // elements before, between and after the tensors belong to none
      SPECS.forEach(([length, group, lr, eps, weightDecay], i) => {
        tensors.push({ name: `t${i}`, offset, length, group, lr, eps, weightDecay });
        offset += length + 2;
      });
      const n = offset + 2;
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
        }),
      );
      const ref = { params: Float64Array.from(p0), m: new Float64Array(n), v: new Float64Array(n) };
      const bound = new Float64Array(n);
      const mAbs = new Float64Array(n);
      const [b1, b2] = [Math.fround(BETA1), Math.fround(BETA2)];

      for (let s = 0; s < 2; s++) {
        const step = s + 1;
        const g = rng.normalArray(n);
        for (const t of tensors) {
          for (let i = t.offset; i < t.offset + t.length; i++) g[i] *= GRAD_SCALES[s][t.group ?? 0];
        }
        writeTensor(ctx, grads, g);
        op.setStep(step, LR_SCALES[s]);
        await runOps(ctx, [op], 'selftest adamw');

        const before = Float64Array.from(ref.params);
        const opts = { step, beta1: b1, beta2: b2, lrScale: LR_SCALES[s], clip: CLIP };
        const res = adamwStepRef(ref, g, tensors, opts);
        const bc1 = 1 - b1 ** step;
        const bc2 = 1 - b2 ** step;
        for (const t of tensors) {
          const group = t.group ?? 0;
          const lr = t.lr * LR_SCALES[s];
          const c = Math.min(1, CLIP / (res.norms[group] + 1e-6));
          for (let i = t.offset; i < t.offset + t.length; i++) {
            mAbs[i] = BETA1 * mAbs[i] + (1 - BETA1) * Math.abs(c * g[i]);
            const upd = ref.m[i] / bc1 / (Math.sqrt(ref.v[i] / bc2) + (t.eps ?? 1e-8));
            bound[i] +=
              2 * u * Math.abs(before[i]) +
              128 * u * lr * (Math.abs(upd) + (t.weightDecay ?? 0) * Math.abs(before[i]));
          }
        }
      }

      const worst = new Worst();
      const got = await readTensor(ctx, params);
      const inside = new Uint8Array(n);
      for (const t of tensors) inside.fill(1, t.offset, t.offset + t.length);
      const pBound = (i: number) => bound[i] + 2 * u * Math.abs(ref.params[i]) + 1e-30;
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
        worstRatio(await readTensor(ctx, tm), ref.m, (i) => 32 * u * mAbs[i] + 1e-30),
      );
      worst.add(
        'v',
        worstRatio(await readTensor(ctx, tv), ref.v, (i) => 32 * u * Math.abs(ref.v[i]) + 1e-30),
      );
      return worst.result('5 tensors in 2 groups, 2 steps, each group clipped on one step');
    }),
};
