import { describe, expect, it } from 'vitest';
import {
  readTensor,
  releaseTensor,
  runOps,
  uploadTensor,
  type GpuContext,
  type GpuTensor,
} from '../gpu';
import {
  crossEntropyObjective,
  crossEntropyRef,
  type CrossEntropyShape,
} from '../reference/cross_entropy';
import { Rng } from '../util/random';
import { compareWithin, relativeRms, useGpu } from '../../test/gpu';
import { acquireNodeGpu } from '../gpu/node';
import { releaseGpu, withTunedVariants } from '../gpu';
import { subgroupLanes } from './subgroups';
import {
  chooseCrossEntropyVariant,
  CROSS_ENTROPY_ROW_MAX_VOCAB,
  CROSS_ENTROPY_VARIANTS,
  crossEntropyVariantOn,
  prepareCrossEntropy,
  type CrossEntropyVariant,
} from './cross_entropy';
import { crossEntropyBounds, crossEntropyMeanDepth, crossEntropySumDepth } from './errorBounds';

const gpu = useGpu();

interface Case extends CrossEntropyShape {
  seed?: number;
  /** Logits uniform in [-range, range]. */
  range?: number;
  /** Kernel variant; default: the adapter's choice. */
  variant?: CrossEntropyVariant;
}

interface GpuResult {
  rowLoss: Float32Array;
  loss: Float32Array;
  dLogits: Float32Array | undefined;
}

function makeData(c: Case) {
  const rng = new Rng(c.seed ?? c.rows * 1000 + c.vocab);
  const range = c.range ?? 3;
  const logits = rng.uniformArray(c.rows * c.vocab, -range, range);
  const targets = Uint32Array.from({ length: c.rows }, () => rng.int(c.vocab));
  return { logits, targets };
}

async function runGpu(
  c: Case,
  logits: Float32Array,
  targets: Uint32Array,
  mode: 'separate' | 'in-place' | 'forward' = 'separate',
  context?: GpuContext,
): Promise<GpuResult> {
  const ctx = context ?? gpu();
  const owned: GpuTensor[] = [];
  const up = (x: Float32Array | Uint32Array, label: string) => {
    const t = uploadTensor(ctx, x, [x.length], label);
    owned.push(t);
    return t;
  };
  const tl = up(logits, 'logits');
  const tt = up(targets, 'targets');
  const td = mode === 'separate' ? up(new Float32Array(logits.length), 'dLogits') : undefined;
  const op = await prepareCrossEntropy(ctx, {
    ...c,
    logits: tl,
    targets: tt,
    dLogits: td,
    inPlace: mode === 'in-place',
  });
  if (c.variant) expect(op.label).toContain(`[${c.variant}]`);
  await runOps(ctx, [op]);
  const result: GpuResult = {
    rowLoss: await readTensor(ctx, op.rowLoss),
    loss: await readTensor(ctx, op.loss),
    dLogits: op.dLogits ? await readTensor(ctx, op.dLogits) : undefined,
  };
  op.release();
  owned.forEach((t) => releaseTensor(ctx, t));
  return result;
}

/**
 * Error bounds: crossEntropyBounds (src/ops/errorBounds.ts), with the sum depths of the variant
 * under test. We also require the relative RMS error of the gradient to stay below 1e-6.
 */
function bounds(c: Case, logits: Float32Array, targets: Uint32Array) {
  const ref = crossEntropyRef(logits, targets, c);
  const ctx = gpu();
  const variant = crossEntropyVariantOn(ctx, c.vocab, c.rows, c.variant);
  const perRun = c.rows / (c.runs ?? 1);
  const depths = {
    sum: crossEntropySumDepth(variant, c.vocab, subgroupLanes(ctx.features)),
    mean: crossEntropyMeanDepth(variant, perRun),
  };
  return { ref, ...crossEntropyBounds(logits, targets, c, ref, depths) };
}

async function check(c: Case, mode: 'separate' | 'in-place' | 'forward' = 'separate') {
  const { logits, targets } = makeData(c);
  const got = await runGpu(c, logits, targets, mode);
  const { ref, lossBound, gradBound, meanBound } = bounds(c, logits, targets);
  const what = `R=${c.rows} V=${c.vocab} runs=${c.runs ?? 1} s=${c.logitScale ?? 1} ${mode}`;
  const rl = compareWithin(got.rowLoss, ref.rowLoss, lossBound);
  expect(rl.worstRatio, `${what}: row loss worst at ${rl.worstIndex}`).toBeLessThanOrEqual(1);
  const ml = compareWithin(got.loss, ref.loss, meanBound);
  expect(ml.worstRatio, `${what}: mean loss`).toBeLessThanOrEqual(1);
  if (mode !== 'forward') {
    const g = got.dLogits as Float32Array;
    const gr = compareWithin(g, ref.dLogits, gradBound);
    expect(gr.worstRatio, `${what}: grad worst at ${gr.worstIndex}`).toBeLessThanOrEqual(1);
    if (c.vocab > 1) expect(relativeRms(g, ref.dLogits), what).toBeLessThan(1e-6);
  }
  return got;
}

describe('cross-entropy variants', () => {
  it("row sums are never deeper than the workgroup variant's", () => {
    // So running the row variant under the same bound formulas loosens no tolerance.
    const deeper: number[] = [];
    for (let n = 1; n <= 1 << 16; n++) {
      if (crossEntropySumDepth('row', n, 0) > crossEntropySumDepth('workgroup', n, 0)) {
        deeper.push(n);
      }
      if (crossEntropyMeanDepth('row', n) > crossEntropyMeanDepth('workgroup', n)) deeper.push(n);
    }
    expect(deeper).toEqual([]);
  });

  it('chooses row on CPU fallbacks and for small vocabularies, workgroup otherwise', () => {
    const base = { vendor: 'v', architecture: 'a', device: 'd', description: '' };
    const cpu = { ...base, isFallback: true };
    const gpuAdapter = { ...base, isFallback: false };
    expect(chooseCrossEntropyVariant(cpu, 50000)).toBe('row');
    expect(chooseCrossEntropyVariant(gpuAdapter, CROSS_ENTROPY_ROW_MAX_VOCAB)).toBe('row');
    expect(chooseCrossEntropyVariant(gpuAdapter, CROSS_ENTROPY_ROW_MAX_VOCAB + 1)).toBe(
      'workgroup',
    );
  });

  it('runs subgroup only on a device with subgroups: refused when forced, else the thresholds', async () => {
    const ctx = gpu();
    // SwiftShader, where this suite runs, has 4-lane subgroups: the variant is tested below.
    if (ctx.adapter.architecture === 'swiftshader') expect(subgroupLanes(ctx.features)).toBe(4);
    const plain = await acquireNodeGpu({ disableFeatures: ['subgroups'] });
    try {
      const tl = uploadTensor(plain, new Float32Array(21), [21], 'logits');
      const tt = uploadTensor(plain, new Uint32Array(3), [3], 'targets');
      const args = { logits: tl, targets: tt, rows: 3, vocab: 7 };
      await expect(prepareCrossEntropy(plain, { ...args, variant: 'subgroup' })).rejects.toThrow(
        /subgroup needs a device with the subgroups feature/,
      );
      const tuned = { cross_entropy: { v7: 'subgroup' } };
      expect(chooseCrossEntropyVariant(plain.adapter, 7, tuned)).toBe('subgroup');
      const op = await prepareCrossEntropy(withTunedVariants(plain, tuned), args);
      expect(op.label).toContain('[row]');
      op.release();
      releaseTensor(plain, tl);
      releaseTensor(plain, tt);
    } finally {
      releaseGpu(plain);
    }
  });

  it('uses the chosen variant by default and rejects an unknown one', async () => {
    const ctx = gpu();
    const tl = uploadTensor(ctx, new Float32Array(12), [12], 'logits');
    const tt = uploadTensor(ctx, new Uint32Array(3), [3], 'targets');
    const args = { logits: tl, targets: tt, rows: 3, vocab: 4 };
    const op = await prepareCrossEntropy(ctx, args);
    expect(op.label).toContain(`[${chooseCrossEntropyVariant(ctx.adapter, 4)}]`);
    op.release();
    await expect(
      prepareCrossEntropy(ctx, { ...args, variant: 'tree' as CrossEntropyVariant }),
    ).rejects.toThrow(/unknown variant tree/);
    releaseTensor(ctx, tl);
    releaseTensor(ctx, tt);
  });
});

describe.each(CROSS_ENTROPY_VARIANTS)('cross-entropy kernel (%s) vs float64 reference', (v) => {
  const variant = v as CrossEntropyVariant;
  const sizes = [1, 7, 33, 127];

  it('sizes 1, 7, 33, 127 for rows and vocab, with logit and gradient scales', async () => {
    let k = 0;
    for (const rows of sizes) {
      for (const vocab of sizes) {
        const logitScale = [1, 0.25, 3, -0.5][k % 4];
        const gradScale = [1, 0.5, 2][k % 3];
        await check({ variant, rows, vocab, logitScale, gradScale });
        k++;
      }
    }
  });

  it('non-square shapes up to V = 8192 and R = 257', async () => {
    await check({ variant, rows: 257, vocab: 1024, logitScale: 0.5 });
    await check({ variant, rows: 3, vocab: 8192, logitScale: 2 });
    await check({ variant, rows: 130, vocab: 513 });
    await check({ variant, rows: 257, vocab: 1 });
  });

  it('large logits stay finite (max subtraction) within the same relative bounds', async () => {
    await check({ variant, rows: 33, vocab: 127, range: 50, logitScale: 8 });
  });

  it('in-place and forward-only variants give the same bits as the separate one', async () => {
    for (const c of [
      { variant, rows: 33, vocab: 127, logitScale: 0.7 },
      { variant, rows: 7, vocab: 1024, logitScale: 1.5, runs: 7 },
    ]) {
      const { logits, targets } = makeData(c);
      const a = await runGpu(c, logits, targets, 'separate');
      const b = await runGpu(c, logits, targets, 'in-place');
      const f = await runGpu(c, logits, targets, 'forward');
      expect(Array.from(b.dLogits as Float32Array)).toEqual(Array.from(a.dLogits as Float32Array));
      expect(Array.from(b.rowLoss)).toEqual(Array.from(a.rowLoss));
      expect(Array.from(f.rowLoss)).toEqual(Array.from(a.rowLoss));
      expect(Array.from(f.loss)).toEqual(Array.from(a.loss));
      expect(f.dLogits).toBeUndefined();
      await check(c, 'in-place');
    }
  });

  it('stacked runs: one mean loss per run, gradients divided by rows per run', async () => {
    await check({ variant, rows: 33, vocab: 7, runs: 3, logitScale: 1.3 });
    await check({ variant, rows: 256, vocab: 64, runs: 4, gradScale: 0.25 });
    await check({ variant, rows: 127, vocab: 33, runs: 127 });
  });

  it('a 2D grid of workgroups when rows exceed the per-dimension limit', async () => {
    const real = gpu();
    // 257 rows: 'workgroup' and 'subgroup' have one workgroup per row, a (20, 13) grid under a
    // limit of 20;
    // 'row' has 5 workgroups of 64 rows, a (3, 2) grid under a limit of 3.
    const limit = variant === 'row' ? 3 : 20;
    const ctx = { ...real, limits: { ...real.limits, maxComputeWorkgroupsPerDimension: limit } };
    const c = { variant, rows: 257, vocab: 33, runs: 1 };
    const { logits, targets } = makeData(c);
    const got = await runGpu(c, logits, targets, 'separate', ctx);
    const want = await runGpu(c, logits, targets, 'separate');
    expect(Array.from(got.dLogits as Float32Array)).toEqual(
      Array.from(want.dLogits as Float32Array),
    );
    expect(Array.from(got.loss)).toEqual(Array.from(want.loss));
  });

  it('backward matches central finite differences of the float64 loss', async () => {
    for (const c of [
      { variant, rows: 7, vocab: 33, logitScale: 2.5, gradScale: 0.5 },
      { variant, rows: 12, vocab: 17, runs: 3, logitScale: -0.8 },
      { variant, rows: 1, vocab: 127, logitScale: 4 },
    ]) {
      const { logits, targets } = makeData(c);
      const got = await runGpu(c, logits, targets);
      const { gradBound } = bounds(c, logits, targets);
      const x = Float64Array.from(logits);
      const h = 1e-5;
      const fd = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const keep = x[i];
        x[i] = keep + h;
        const up = crossEntropyObjective(x, targets, c);
        x[i] = keep - h;
        const down = crossEntropyObjective(x, targets, c);
        x[i] = keep;
        fd[i] = (up - down) / (2 * h);
      }
      // Central differences: truncation h^2 |f'''| / 6 <= h^2 |s|^3 |gradScale| / 6 (<= 1.1e-9
      // here, s <= 4) and float64 roundoff 1e-16 |f| / h (~1e-10): 2e-9 absolute covers both,
      // far below the f32 bound.
      const ref = crossEntropyRef(logits, targets, c).dLogits;
      expect(compareWithin(ref, fd, 2e-9).worstRatio).toBeLessThanOrEqual(1);
      const bound = gradBound.map((b) => b + 2e-9);
      const report = compareWithin(got.dLogits as Float32Array, fd, bound);
      expect(report.worstRatio, `worst at ${report.worstIndex}`).toBeLessThanOrEqual(1);
    }
  });

  it('setScales changes the multipliers without re-preparing', async () => {
    const ctx = gpu();
    const c = { variant, rows: 33, vocab: 33, logitScale: 1, gradScale: 1 };
    const { logits, targets } = makeData(c);
    const tl = uploadTensor(ctx, logits, [logits.length], 'logits');
    const tt = uploadTensor(ctx, targets, [targets.length], 'targets');
    const td = uploadTensor(ctx, new Float32Array(logits.length), [logits.length], 'dLogits');
    const op = await prepareCrossEntropy(ctx, { ...c, logits: tl, targets: tt, dLogits: td });
    const allocations = ctx.pool.allocationCount;
    op.setScales({ logitScale: 0.3, gradScale: 4 });
    await runOps(ctx, [op]);
    expect(ctx.pool.allocationCount).toBe(allocations);
    const scaled = { ...c, logitScale: 0.3, gradScale: 4 };
    const { ref, gradBound, meanBound } = bounds(scaled, logits, targets);
    const g = await readTensor(ctx, td);
    expect(compareWithin(g, ref.dLogits, gradBound).worstRatio).toBeLessThanOrEqual(1);
    expect(
      compareWithin(await readTensor(ctx, op.loss), ref.loss, meanBound).worstRatio,
    ).toBeLessThanOrEqual(1);
    op.release();
    [tl, tt, td].forEach((t) => releaseTensor(ctx, t));
  });

  it('non-finite logits or a bad target give NaN for that row and its run only', async () => {
    const c = { variant, rows: 12, vocab: 33, runs: 4 };
    const { logits, targets } = makeData(c);
    const bits = new Uint32Array(logits.buffer);
    bits[1 * 33 + 5] = 0x7f800000; // +Inf in row 1 (run 0)
    bits[4 * 33 + 0] = 0xffc00000; // NaN in row 4 (run 1)
    bits[5 * 33 + 32] = 0xff800000; // -Inf in row 5 (run 1)
    targets[9] = 33; // out of range in row 9 (run 3)
    const got = await runGpu(c, logits, targets);
    const bad = new Set([1, 4, 5, 9]);
    const g = got.dLogits as Float32Array;
    for (let r = 0; r < c.rows; r++) {
      const row = Array.from(g.subarray(r * 33, (r + 1) * 33));
      if (bad.has(r)) {
        expect(got.rowLoss[r], `row ${r}`).toBeNaN();
        expect(row.every(Number.isNaN), `row ${r}`).toBe(true);
      } else {
        expect(Number.isFinite(got.rowLoss[r]), `row ${r}`).toBe(true);
        expect(row.every(Number.isFinite), `row ${r}`).toBe(true);
      }
    }
    expect(Number.isNaN(got.loss[0])).toBe(true);
    expect(Number.isNaN(got.loss[1])).toBe(true);
    expect(Number.isFinite(got.loss[2])).toBe(true);
    expect(Number.isNaN(got.loss[3])).toBe(true);
    const clean = { ...c, rows: 3, runs: 1 };
    const want = crossEntropyRef(logits.subarray(6 * 33, 9 * 33), targets.subarray(6, 9), clean);
    expect(Math.abs(got.loss[2] - want.loss[0])).toBeLessThan(1e-5 * want.loss[0]);
  });

  it('deterministic, and rejects bad arguments', async () => {
    const c = { variant, rows: 127, vocab: 127, runs: 1 };
    const { logits, targets } = makeData(c);
    const a = await runGpu(c, logits, targets);
    const b = await runGpu(c, logits, targets);
    expect(Array.from(a.loss)).toEqual(Array.from(b.loss));
    expect(Array.from(a.dLogits as Float32Array)).toEqual(Array.from(b.dLogits as Float32Array));

    const ctx = gpu();
    const tl = uploadTensor(ctx, new Float32Array(12), [12], 'logits');
    const tt = uploadTensor(ctx, new Uint32Array(3), [3], 'targets');
    await expect(
      prepareCrossEntropy(ctx, { logits: tl, targets: tt, rows: 3, vocab: 5 }),
    ).rejects.toThrow(/logits has 12 elements, needs at least 15/);
    await expect(
      prepareCrossEntropy(ctx, { logits: tl, targets: tt, rows: 3, vocab: 4, runs: 2 }),
    ).rejects.toThrow(/do not split into 2 runs/);
    await expect(
      prepareCrossEntropy(ctx, { logits: tl, targets: tl, rows: 3, vocab: 4 }),
    ).rejects.toThrow(/targets must be u32/);
    await expect(
      prepareCrossEntropy(ctx, { logits: tl, targets: tt, rows: 3, vocab: 4, dLogits: tl }),
    ).rejects.toThrow(/use inPlace/);
    releaseTensor(ctx, tl);
    releaseTensor(ctx, tt);
  });
});
