import { describe, expect, it } from 'vitest';
import {
  readTensor,
  releaseTensor,
  runOps,
  uploadTensor,
  writeTensor,
  type GpuContext,
  type GpuTensor,
} from '../gpu';
import { sgdStepRef, type SgdStateRef } from '../reference/sgd';
import { Rng } from '../util/random';
import { compareWithin, expectWithin, useGpu } from '../../test/gpu';
import { extentOf, gappedTensorTable, uploadUpdateBuffers } from '../../test/updateTables';
import { ADAMW_VARIANTS } from './adamw';
import { sgdAddStep, sgdBufBound, sgdParamBound, type SgdBounds } from './errorBounds';
import { readGroupStats } from './reduce';
import { prepareSgd, type SgdArgs, type SgdOp, type SgdTensor } from './sgd';

const gpu = useGpu();
const MOMENTUM = 0.9;

/** Tensors of sizes 1, 7, 33, 127 with gaps between them, per-tensor µP-like lr and decay. */
function tensorTable(groups: number, lrOfGroup: (g: number) => number): SgdTensor[] {
  return gappedTensorTable(groups, lrOfGroup, {
    sizes: [1, 7, 33, 127],
    wd: [0, 0.1, 0, 0.05],
    lrMul: [4, 1, 0.5, 2],
  });
}

interface Harness {
  ctx: GpuContext;
  op: SgdOp;
  params: GpuTensor;
  grads: GpuTensor;
  buf: GpuTensor;
  ref: SgdStateRef;
  bounds: SgdBounds;
  momentum: number;
  clip: number;
  release(): void;
}

async function setup(tensors: SgdTensor[], opts: Partial<SgdArgs> = {}): Promise<Harness> {
  const ctx = gpu();
  const n = extentOf(tensors);
  const buffers = uploadUpdateBuffers(ctx, n, ['buf']);
  const { p0, params, grads } = buffers;
  const [buf] = buffers.state;
  const momentum = opts.momentum ?? MOMENTUM;
  const op = await prepareSgd(ctx, { params, grads, buf, tensors, momentum, ...opts });
  return {
    ctx,
    op,
    params,
    grads,
    buf,
    ref: { params: Float64Array.from(p0), buf: new Float64Array(n) },
    bounds: { params: new Float64Array(n), bufAbs: new Float64Array(n) },
    momentum,
    clip: opts.clip ?? 0,
    release() {
      op.release();
      buffers.release();
    },
  };
}

/** One step on the GPU and in float64 (momentum as the kernel sees it, in f32). */
async function step(h: Harness, grads: Float32Array, tensors: SgdTensor[], lrScale = 1) {
  writeTensor(h.ctx, h.grads, grads);
  h.op.setLrScale(lrScale);
  await runOps(h.ctx, [h.op]);
  const before = Float64Array.from(h.ref.params);
  const o = { momentum: Math.fround(h.momentum), lrScale, clip: h.clip };
  const res = sgdStepRef(h.ref, grads, tensors, o);
  sgdAddStep(h.bounds, grads, tensors, before, { ...o, ...res });
  return res;
}

async function expectMatches(h: Harness, what: string) {
  const got = await readTensor(h.ctx, h.params);
  expectWithin(
    got,
    h.ref.params,
    h.ref.params.map((w, i) => sgdParamBound(h.bounds, i, w)),
    `${what}: params`,
  );
  const buf = await readTensor(h.ctx, h.buf);
  const bBound = h.ref.buf.map((_, i) => sgdBufBound(h.bounds, i));
  expectWithin(buf, h.ref.buf, bBound, `${what}: buf`);
  return got;
}

describe.each(ADAMW_VARIANTS)('SGD kernel [%s] vs float64 reference', (variant) => {
  it('several steps, one group: clipping on some steps, per-tensor lr and decay, lr scale', async () => {
    const tensors = tensorTable(1, () => 0.05);
    const h = await setup(tensors, { variant, clip: 1, chunkSize: 16 });
    const n = h.params.length;
    const p0 = Float64Array.from(h.ref.params);
    const rng = new Rng(7);
    const scales = [1, 0.01, 3, 0.02]; // norm ~ 13 x scale: clipped on steps 1 and 3 only
    const lrScales = [1, 0.5, 1, 2];
    const unclipped: SgdStateRef = { params: Float64Array.from(p0), buf: new Float64Array(n) };
    for (let s = 0; s < scales.length; s++) {
      const g = rng.normalArray(n, scales[s]);
      const res = await step(h, g, tensors, lrScales[s]);
      expect(res.norms[0] > 1).toBe(s % 2 === 0);
      sgdStepRef(unclipped, g, tensors, { momentum: MOMENTUM, lrScale: lrScales[s] });
      const got = await expectMatches(h, `step ${s + 1}`);
      for (const i of [0, 1, 2, n - 1]) expect(got[i]).toBe(Math.fround(p0[i]));
    }
    // The clip matters: the unclipped trajectory is far outside the tolerance.
    const got = await readTensor(h.ctx, h.params);
    expect(compareWithin(got, unclipped.params, h.bounds.params).worstRatio).toBeGreaterThan(100);
    h.release();
  });

  it('momentum 0 is plain SGD; clipping off, one chunk per tensor', async () => {
    const tensors = tensorTable(1, () => 0.1);
    const h = await setup(tensors, { variant, momentum: 0 });
    const rng = new Rng(3);
    for (let s = 1; s <= 3; s++) await step(h, rng.normalArray(h.params.length, s), tensors);
    await expectMatches(h, 'momentum 0');
    h.release();
  });

  it('stacked runs: each group clips with its own norm; a non-finite gradient skips its group', async () => {
    const lrs = [0.03, 0.01];
    const tensors = tensorTable(2, (g) => lrs[g]);
    const h = await setup(tensors, { variant, clip: 2, chunkSize: 32 });
    const n = h.params.length;
    const rng = new Rng(17);
    const groupScale = [0.05, 2]; // group 0 never clipped, group 1 always
    const scaled = () => {
      const g = rng.normalArray(n, 1);
      for (const t of tensors) {
        for (let i = t.offset; i < t.offset + t.length; i++) g[i] *= groupScale[t.group ?? 0];
      }
      return g;
    };
    for (let s = 1; s <= 2; s++) {
      const res = await step(h, scaled(), tensors);
      expect(res.norms[0]).toBeLessThan(2);
      expect(res.norms[1]).toBeGreaterThan(2);
    }
    await expectMatches(h, 'two groups');
    const group1 = tensors.filter((t) => t.group === 1);
    for (const [k, bits] of [0x7fc00000, 0x7f800000, 0xff800000].entries()) {
      const before = { p: await readTensor(h.ctx, h.params), b: await readTensor(h.ctx, h.buf) };
      const g = scaled();
      const t = group1[k + 1];
      new Uint32Array(g.buffer)[t.offset + (k % t.length)] = bits;
      const res = await step(h, g, tensors);
      expect(res.skipped).toEqual([false, true]);
      const stats = await readGroupStats(h.ctx, h.op.gradStats);
      expect(stats.nonFinite).toEqual([false, true]);
      expect(stats.flaggedCount).toEqual([0, k + 1]);
      const after = { p: await readTensor(h.ctx, h.params), b: await readTensor(h.ctx, h.buf) };
      for (const x of group1) {
        for (let i = x.offset; i < x.offset + x.length; i++) {
          expect(Object.is(after.p[i], before.p[i]), `p[${i}]`).toBe(true);
          expect(Object.is(after.b[i], before.b[i]), `buf[${i}]`).toBe(true);
        }
      }
      await expectMatches(h, `bits 0x${bits.toString(16)}`);
    }
    h.release();
  });
});

describe('SGD op', () => {
  it('setLrScale and setClip write uniforms without allocating; bad input is refused', async () => {
    const tensors = tensorTable(1, () => 0.01);
    const h = await setup(tensors);
    const count = h.ctx.pool.allocationCount;
    h.op.setClip(0);
    await step(h, new Rng(2).normalArray(h.params.length, 1), tensors, 0.1);
    await expectMatches(h, 'lr scale 0.1');
    expect(h.ctx.pool.allocationCount - count).toBeLessThanOrEqual(1);
    expect(() => h.op.setLrScale(-1)).toThrow(/lrScale must be finite and >= 0/);
    h.release();

    const ctx = gpu();
    const t = (n: number) => uploadTensor(ctx, new Float32Array(n), [n], 'x');
    const [p, g, b, short] = [t(64), t(64), t(64), t(16)];
    const one = [{ offset: 0, length: 8, lr: 1 }];
    const base = { params: p, grads: g, buf: b };
    await expect(prepareSgd(ctx, { ...base, tensors: one, momentum: 1 })).rejects.toThrow(
      /momentum must be in \[0, 1\), got 1/,
    );
    await expect(prepareSgd(ctx, { ...base, buf: p, tensors: one })).rejects.toThrow(
      /three different buffers/,
    );
    await expect(
      prepareSgd(ctx, { ...base, buf: short, tensors: [{ offset: 0, length: 32, lr: 1 }] }),
    ).rejects.toThrow(/buf has 16/);
    await expect(
      prepareSgd(ctx, { ...base, tensors: [{ offset: 0, length: 8, lr: 1, weightDecay: -1 }] }),
    ).rejects.toThrow(/weightDecay = -1/);
    [p, g, b, short].forEach((x) => releaseTensor(ctx, x));
  });
});
