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
import { adamwStepRef, type AdamWStateRef } from '../reference/adamw';
import { Rng } from '../util/random';
import { compareWithin, expectWithin, useGpu } from '../../test/gpu';
import { extentOf, gappedTensorTable, uploadUpdateBuffers } from '../../test/updateTables';
import { acquireNodeGpu } from '../gpu/node';
import { releaseGpu } from '../gpu';
import {
  adamwAddStep,
  adamwMBound,
  adamwParamBound,
  adamwVBound,
  type AdamWBounds,
} from './errorBounds';
import {
  ADAMW_VARIANT_REGISTRY,
  ADAMW_VARIANTS,
  adamwVariantOn,
  prepareAdamW,
  type AdamWVariant,
  type AdamWArgs,
  type AdamWOp,
  type AdamWTensor,
} from './adamw';
import { readGroupStats } from './reduce';

const gpu = useGpu();
const BETA1 = 0.9;
const BETA2 = 0.999;

/** Tensors of sizes 1, 7, 33, 127, 300, 5 with gaps between them, per-tensor µP-like settings. */
function tensorTable(groups: number, lrOfGroup: (g: number) => number): AdamWTensor[] {
  return gappedTensorTable(groups, lrOfGroup, {
    sizes: [1, 7, 33, 127, 300, 5],
    eps: [1e-8, 1e-3, 1e-2, 1e-8, 3e-3, 1e-5],
    wd: [0, 0.1, 0, 0.01, 0.05, 0],
    lrMul: [1, 0.5, 2, 0.25, 1, 3],
  });
}

interface Harness {
  ctx: GpuContext;
  op: AdamWOp;
  params: GpuTensor;
  grads: GpuTensor;
  m: GpuTensor;
  v: GpuTensor;
  ref: AdamWStateRef;
  /** Per element: accumulated error allowances (adamwAddStep). */
  bounds: AdamWBounds;
  release(): void;
}

async function setupWith(
  tensors: AdamWTensor[],
  opts: Partial<AdamWArgs> = {},
  context?: GpuContext,
): Promise<Harness> {
  const ctx = context ?? gpu();
  const n = extentOf(tensors);
  const buffers = uploadUpdateBuffers(ctx, n, ['m', 'v']);
  const { p0, params, grads } = buffers;
  const [m, v] = buffers.state;
  const op = await prepareAdamW(ctx, {
    params,
    grads,
    m,
    v,
    tensors,
    beta1: BETA1,
    beta2: BETA2,
    ...opts,
  });
  const ref = {
    params: Float64Array.from(p0),
    m: new Float64Array(n),
    v: new Float64Array(n),
  };
  return {
    ctx,
    op,
    params,
    grads,
    m,
    v,
    ref,
    bounds: { params: new Float64Array(n), mAbs: new Float64Array(n) },
    release() {
      op.release();
      buffers.release();
    },
  };
}

/** One step on the GPU and in float64; the allowances grow by adamwAddStep. */
async function step(
  h: Harness,
  grads: Float32Array,
  tensors: readonly AdamWTensor[],
  o: { step: number; lrScale?: number; clip?: number },
) {
  writeTensor(h.ctx, h.grads, grads);
  h.op.setStep(o.step, o.lrScale ?? 1);
  await runOps(h.ctx, [h.op]);
  const before = Float64Array.from(h.ref.params);
  const res = adamwStepRef(h.ref, grads, tensors, {
    step: o.step,
    beta1: Math.fround(BETA1),
    beta2: Math.fround(BETA2),
    lrScale: o.lrScale ?? 1,
    clip: o.clip ?? 0,
  });
  adamwAddStep(h.bounds, grads, tensors, before, h.ref, {
    step: o.step,
    beta1: BETA1,
    beta2: BETA2,
    lrScale: o.lrScale ?? 1,
    clip: o.clip ?? 0,
    norms: res.norms,
    skipped: res.skipped,
  });
  return res;
}

async function expectMatches(h: Harness, what: string) {
  const got = await readTensor(h.ctx, h.params);
  expectWithin(
    got,
    h.ref.params,
    h.ref.params.map((w, i) => adamwParamBound(h.bounds, i, w)),
    `${what}: params`,
  );
  // The moments: adamwMBound, adamwVBound.
  const m = await readTensor(h.ctx, h.m);
  const v = await readTensor(h.ctx, h.v);
  const mBound = h.ref.m.map((_, i) => adamwMBound(h.bounds, i));
  const vBound = h.ref.v.map(adamwVBound);
  expectWithin(m, h.ref.m, mBound, `${what}: m`);
  expectWithin(v, h.ref.v, vBound, `${what}: v`);
  return got;
}

function randomGrads(rng: Rng, n: number, scale: number): Float32Array {
  return rng.normalArray(n, scale);
}

describe.each(ADAMW_VARIANTS)('AdamW kernel [%s] vs float64 reference', (variant) => {
  const setup = (tensors: AdamWTensor[], opts: Partial<AdamWArgs> = {}, context?: GpuContext) =>
    setupWith(tensors, { variant, ...opts }, context);
  it('several steps, one group: clipping active on some steps, per-tensor lr/eps/decay', async () => {
    const tensors = tensorTable(1, () => 0.02);
    const clip = 1;
    const h = await setup(tensors, { clip, chunkSize: 64 });
    const n = h.params.length;
    const rng = new Rng(7);
    const scales = [1, 0.01, 3, 0.1, 1]; // norm ~ 21.7 x scale: clipped except on step 2
    const lrScales = [1, 0.5, 1, 0.25, 2];
    const unclipped = {
      params: Float64Array.from(h.ref.params),
      m: new Float64Array(n),
      v: new Float64Array(n),
    };
    const p0 = Float64Array.from(h.ref.params);
    for (let s = 0; s < scales.length; s++) {
      const g = randomGrads(rng, n, scales[s]);
      const res = await step(h, g, tensors, { step: s + 1, lrScale: lrScales[s], clip });
      expect(res.norms[0] > clip).toBe(s !== 1);
      adamwStepRef(unclipped, g, tensors, { step: s + 1, lrScale: lrScales[s] });
      const got = await expectMatches(h, `step ${s + 1}`);
      // Elements outside every tensor are never touched.
      for (const i of [0, 1, 2, n - 1]) expect(got[i]).toBe(Math.fround(p0[i]));
    }
    // The clipped and unclipped trajectories differ by far more than the tolerance.
    const got = await readTensor(h.ctx, h.params);
    const worst = compareWithin(got, unclipped.params, h.bounds.params).worstRatio;
    expect(worst).toBeGreaterThan(100);
    const stats = await readGroupStats(h.ctx, h.op.gradStats);
    expect(stats.nonFinite).toEqual([false]);
    h.release();
  });

  it('clipping off (clip = 0), one chunk per tensor and many', async () => {
    for (const chunkSize of [4096, 16]) {
      const tensors = tensorTable(1, () => 0.01);
      const h = await setup(tensors, { chunkSize });
      const rng = new Rng(chunkSize);
      for (let s = 1; s <= 4; s++) {
        await step(h, randomGrads(rng, h.params.length, 0.3 * s), tensors, { step: s });
      }
      await expectMatches(h, `chunk ${chunkSize}`);
      h.release();
    }
  });

  it('a clip above the norm changes nothing; the 2D workgroup grid gives the same bits', async () => {
    const tensors = tensorTable(1, () => 0.01);
    const real = gpu();
    const small = { ...real, limits: { ...real.limits, maxComputeWorkgroupsPerDimension: 20 } };
    const a = await setup(tensors, { clip: 1e6, chunkSize: 8 });
    const b = await setup(tensors, { chunkSize: 8 }, small); // 70 chunks: an 18 x 4 grid
    const rng = new Rng(5);
    for (let s = 1; s <= 3; s++) {
      const g = randomGrads(rng, a.params.length, 1);
      await step(a, g, tensors, { step: s, clip: 1e6 });
      await step(b, g, tensors, { step: s });
    }
    await expectMatches(a, 'clip 1e6');
    const pa = await readTensor(a.ctx, a.params);
    const pb = await readTensor(b.ctx, b.params);
    expect(Array.from(pb)).toEqual(Array.from(pa));
    a.release();
    b.release();
  });

  it('stacked runs: each group clips with its own norm', async () => {
    const lrs = [0.03, 0.01, 0.003];
    const tensors = tensorTable(3, (g) => lrs[g]);
    const clip = 2;
    const h = await setup(tensors, { clip, chunkSize: 32 });
    const rng = new Rng(17);
    // Group 0's gradients are small (never clipped), group 2's large (always clipped).
    const groupScale = [0.02, 0.1, 2];
    for (let s = 1; s <= 3; s++) {
      const g = randomGrads(rng, h.params.length, 1);
      for (const t of tensors) {
        for (let i = t.offset; i < t.offset + t.length; i++) g[i] *= groupScale[t.group ?? 0];
      }
      const res = await step(h, g, tensors, { step: s, clip });
      expect(res.norms[0]).toBeLessThan(clip);
      expect(res.norms[2]).toBeGreaterThan(clip);
    }
    await expectMatches(h, 'three groups');
    h.release();
  });

  it("a statsOnly tensor counts in its group's clip norm but is left to another optimizer", async () => {
    const tensors = tensorTable(2, (g) => [0.03, 0.01][g]);
    const marked = tensors.map((t, i) => (i === 1 ? { ...t, statsOnly: true } : t));
    const clip = 0.5;
    const g = randomGrads(new Rng(41), extentOf(tensors), 1);
    const run = async (table: AdamWTensor[]) => {
      const h = await setup(table, { clip, chunkSize: 32 });
      const p0 = await readTensor(h.ctx, h.params);
      writeTensor(h.ctx, h.grads, g);
      h.op.setStep(1, 1);
      await runOps(h.ctx, [h.op]);
      const out = { p0, p: await readTensor(h.ctx, h.params), m: await readTensor(h.ctx, h.m) };
      h.release();
      return out;
    };
    const all = await run(tensors);
    const some = await run(marked);
    for (const [i, t] of tensors.entries()) {
      const range = (x: Float32Array) => Array.from(x.subarray(t.offset, t.offset + t.length));
      if (i === 1) {
        // Untouched: parameters and moment as before the step.
        expect(range(some.p)).toEqual(range(some.p0));
        expect(range(some.m).every((v) => v === 0)).toBe(true);
      } else {
        // The same norm (it includes tensor 1's gradients), so the same bits.
        expect(range(some.p)).toEqual(range(all.p));
      }
    }
  });

  it('non-finite gradients (NaN, +Inf, -Inf bit patterns) skip only their group', async () => {
    const lrs = [0.01, 0.02];
    const tensors = tensorTable(2, (g) => lrs[g]);
    const h = await setup(tensors, { clip: 1, chunkSize: 64 });
    const rng = new Rng(31);
    const n = h.params.length;
    const patterns = [0x7fc00000, 0xffc00000, 0x7f800001, 0x7f800000, 0xff800000];
    const group1 = tensors.filter((t) => t.group === 1);
    let stepNo = 0;
    let flagged = 0;
    for (const [k, bits] of patterns.entries()) {
      // A clean step first, so that the moments are non-zero.
      await step(h, randomGrads(rng, n, 1), tensors, { step: ++stepNo, clip: 1 });
      const before = {
        p: await readTensor(h.ctx, h.params),
        m: await readTensor(h.ctx, h.m),
        v: await readTensor(h.ctx, h.v),
      };
      const g = randomGrads(rng, n, 1);
      const t = group1[k % group1.length];
      const at = t.offset + ((k * 5) % t.length);
      new Uint32Array(g.buffer)[at] = bits;
      const res = await step(h, g, tensors, { step: ++stepNo, clip: 1 });
      expect(res.skipped).toEqual([false, true]);
      flagged++;
      const what = `bits 0x${bits.toString(16)} at ${at}`;
      const stats = await readGroupStats(h.ctx, h.op.gradStats);
      expect(stats.nonFinite, what).toEqual([false, true]);
      expect(stats.flaggedCount, what).toEqual([0, flagged]);
      const after = {
        p: await readTensor(h.ctx, h.params),
        m: await readTensor(h.ctx, h.m),
        v: await readTensor(h.ctx, h.v),
      };
      // Group 1: parameters and moments bit-for-bit unchanged.
      for (const x of group1) {
        for (let i = x.offset; i < x.offset + x.length; i++) {
          expect(Object.is(after.p[i], before.p[i]), `${what}: p[${i}]`).toBe(true);
          expect(Object.is(after.m[i], before.m[i]), `${what}: m[${i}]`).toBe(true);
          expect(Object.is(after.v[i], before.v[i]), `${what}: v[${i}]`).toBe(true);
        }
      }
      // Group 0 went on as the reference says.
      await expectMatches(h, what);
    }
    // Finite gradients whose norm overflows f32 are skipped too.
    const g = randomGrads(rng, n, 1);
    for (const x of group1) g.fill(1e30, x.offset, x.offset + x.length);
    const res = await step(h, g, tensors, { step: ++stepNo, clip: 1 });
    expect(res.skipped).toEqual([false, true]);
    expect((await readGroupStats(h.ctx, h.op.gradStats)).nonFinite).toEqual([false, true]);
    await expectMatches(h, 'overflowing norm');
    h.release();
  });

  it('setStep and setClip write uniforms without allocating', async () => {
    const tensors = tensorTable(1, () => 0.01);
    const h = await setup(tensors);
    const count = h.ctx.pool.allocationCount;
    const rng = new Rng(2);
    await step(h, randomGrads(rng, h.params.length, 1), tensors, { step: 1 });
    h.op.setClip(0.5);
    await step(h, randomGrads(rng, h.params.length, 1), tensors, { step: 2, clip: 0.5 });
    h.op.setClip(0);
    await step(h, randomGrads(rng, h.params.length, 1), tensors, { step: 3, lrScale: 0.1 });
    // readTensor's staging buffers come back to the pool; nothing else may be created.
    await expectMatches(h, 'setStep');
    expect(h.ctx.pool.allocationCount - count).toBeLessThanOrEqual(1);
    expect(() => h.op.setStep(0)).toThrow(/step must be >= 1/);
    h.release();
  });

  it('rejects bad tables and aliased buffers', async () => {
    const ctx = gpu();
    const t = (n: number) => uploadTensor(ctx, new Float32Array(n), [n], 'x');
    const [p, g, m, v, short] = [t(64), t(64), t(64), t(64), t(16)];
    const base = { params: p, grads: g, m, v };
    await expect(
      prepareAdamW(ctx, {
        ...base,
        tensors: [
          { offset: 0, length: 10, lr: 1 },
          { offset: 8, length: 10, lr: 1 },
        ],
      }),
    ).rejects.toThrow(/overlap/);
    await expect(
      prepareAdamW(ctx, { ...base, v: m, tensors: [{ offset: 0, length: 8, lr: 1 }] }),
    ).rejects.toThrow(/four different buffers/);
    await expect(
      prepareAdamW(ctx, { ...base, v: short, tensors: [{ offset: 0, length: 32, lr: 1 }] }),
    ).rejects.toThrow(/v has 16/);
    await expect(
      prepareAdamW(ctx, { ...base, tensors: [{ offset: 0, length: 8, lr: -1 }] }),
    ).rejects.toThrow(/lr = -1/);
    [p, g, m, v, short].forEach((x) => releaseTensor(ctx, x));
  });
});

describe('AdamW variant choice', () => {
  it("thresholds: 'subgroup' on CPU fallbacks, 'workgroup' on GPUs; never without subgroups", async () => {
    const base = { vendor: 'v', architecture: 'a', device: 'd', description: '' };
    const problem = { params: 1000, tensors: 4 };
    expect(ADAMW_VARIANT_REGISTRY.threshold({ ...base, isFallback: true }, problem)).toBe(
      'subgroup',
    );
    expect(ADAMW_VARIANT_REGISTRY.threshold({ ...base, isFallback: false }, problem)).toBe(
      'workgroup',
    );
    expect(ADAMW_VARIANT_REGISTRY.shapeClass({ params: 1000 })).toBe('p1024');
    expect(ADAMW_VARIANT_REGISTRY.shapeClass({ params: 1024 })).toBe('p1024');
    const ctx = gpu();
    if (ctx.adapter.isFallback) expect(adamwVariantOn(ctx, 1000, 4)).toBe('subgroup');
    const plain = await acquireNodeGpu({ disableFeatures: ['subgroups'] });
    try {
      expect(adamwVariantOn(plain, 1000, 4)).toBe('workgroup');
      expect(() => adamwVariantOn(plain, 1000, 4, 'subgroup')).toThrow(/subgroups feature/);
      expect(() => adamwVariantOn(plain, 1000, 4, 'tree' as AdamWVariant)).toThrow(
        /unknown variant tree/,
      );
    } finally {
      releaseGpu(plain);
    }
  });
});
