import { describe, expect, it } from 'vitest';
import { readTensor, releaseTensor, runOps, createTensor, type GpuContext } from '../gpu';
import {
  layerNormBackwardRef,
  layerNormForwardRef,
  type LayerNormShape,
} from '../reference/layernorm';
import { Rng } from '../util/random';
import { compareWithin, F32_EPS, TensorScope, useGpu } from '../../test/gpu';
import { acquireNodeGpu } from '../gpu/node';
import { releaseGpu, withTunedVariants } from '../gpu';
import { centralDifferences, dot, maxRelativeDifference } from '../../test/gradcheck';
import {
  chooseLayerNormVariant,
  LAYERNORM_DEFAULT_EPS,
  LAYERNORM_ROW_MAX_WIDTH,
  LAYERNORM_VARIANTS,
  prepareLayerNormBackward,
  prepareLayerNormForward,
  type LayerNormVariant,
} from './layernorm';
import {
  layerNormBoundFactors,
  layerNormParamSumDepth,
  layerNormRowSumDepth,
  subgroupSumDepth,
} from './errorBounds';
import { subgroupLanes } from './subgroups';

const gpu = useGpu();
const u = F32_EPS;
const EPS = Math.fround(LAYERNORM_DEFAULT_EPS);

/** Rows with different offsets and scales: |mean| up to 4x the std tests the two-pass variance. */
function rowsData(rng: Rng, rows: number, width: number): Float32Array {
  const x = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const offset = rng.uniformArray(1, -4, 4)[0];
    const scale = rng.uniformArray(1, 0.1, 2)[0];
    for (let j = 0; j < width; j++) x[r * width + j] = offset + scale * (2 * rng.next() - 1);
  }
  return x;
}

// Sum depths of each variant: layerNormRowSumDepth and layerNormParamSumDepth, and the bound
// factors built on them: layerNormBoundFactors (src/ops/errorBounds.ts).
const rowSumDepth = layerNormRowSumDepth;
const paramSumDepth = layerNormParamSumDepth;

/** RMS over elements of |got - want| / scale: the typical error in units of the scale. */
function typicalError(got: Float32Array, want: Float64Array, scale: Float64Array): number {
  let s = 0;
  for (let i = 0; i < want.length; i++) s += ((got[i] - want[i]) / scale[i]) ** 2;
  return Math.sqrt(s / want.length);
}

function expectWithin(got: Float32Array, want: Float64Array, bound: Float64Array, what: string) {
  const r = compareWithin(got, want, bound);
  expect(r.worstRatio, `${what}: worst at ${r.worstIndex}, max abs err ${r.maxAbs}`).toBeLessThan(
    1,
  );
}

/**
 * Forward tolerance, per element: the mean carries the row sum's error, K u mean|x| with
 * K = depth + 1; xhat = (x - mean) * rstd inherits r * that plus a relative error of about
 * (K / 2 + 6) u from the variance sum, inverseSqrt (2 ulp) and the products; gain, bias and the
 * final rounding add u |y|. So |err y| <= (depth + 8) u (|gain| (|xhat| + rstd mean|x|) + |y|).
 * For width 1024 that is 20 u = 1.2e-6 relative to the output's natural scale (rstd mean|x|
 * is the row's conditioning: up to ~40 for the offset rows generated here). SwiftShader stays
 * within 0.15 of this bound; the typical error (RMS of error / scale) must be under 2u.
 * The 'row' variant rounds d * d before adding it (the workgroup variant fuses it into an fma):
 * half a u more on xhat's relative error, within the slack of K / 2 + 6 <= depth + 8.
 */
async function checkForward(
  rows: number,
  width: number,
  hasBias: boolean,
  seed: number,
  variant: LayerNormVariant,
  ctx: GpuContext = gpu(),
) {
  const rng = new Rng(seed);
  const shape: LayerNormShape = { rows, width, eps: EPS };
  const x = rowsData(rng, rows, width);
  const gain = rng.uniformArray(width, -2, 2);
  const bias = hasBias ? rng.uniformArray(width) : undefined;
  const s = new TensorScope(ctx);
  const ty = s.empty(rows * width, 'y');
  const tmean = s.empty(rows, 'mean');
  const trstd = s.empty(rows, 'rstd');
  const op = await prepareLayerNormForward(ctx, {
    x: s.up(x, 'x'),
    gain: s.up(gain, 'gain'),
    bias: bias && s.up(bias, 'bias'),
    y: ty,
    mean: tmean,
    rstd: trstd,
    rows,
    width,
    variant,
  });
  expect(op.label).toContain(`[${variant}]`);
  await runOps(ctx, [op]);
  const y = await readTensor(ctx, ty);
  const mean = await readTensor(ctx, tmean);
  const rstd = await readTensor(ctx, trstd);
  op.release();
  s.release();

  const want = layerNormForwardRef(x, gain, bias, shape);
  const K = layerNormBoundFactors(variant, width, rows, subgroupLanes(ctx.features)).y;
  const meanAbs = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) meanAbs[r] += Math.abs(x[r * width + j]) / width;
  }
  const scale = want.y.map((w, i) => {
    const r = Math.floor(i / width);
    const j = i % width;
    const xhat = (x[i] - want.mean[r]) * want.rstd[r];
    return Math.abs(gain[j]) * (Math.abs(xhat) + want.rstd[r] * meanAbs[r]) + Math.abs(w) + 1e-30;
  });
  expectWithin(
    y,
    want.y,
    scale.map((v) => K * u * v),
    `y ${rows}x${width}`,
  );
  expectWithin(
    mean,
    want.mean,
    meanAbs.map((m) => K * u * m + 1e-30),
    'mean',
  );
  expectWithin(
    rstd,
    want.rstd,
    want.rstd.map((r) => K * u * r),
    'rstd',
  );
  // The typical error is a rounding or two, far below the worst case; a long in-order sum (the
  // subgroup variant's lanes) random-walks to about sqrt(depth) roundings.
  expect(typicalError(y, want.y, scale)).toBeLessThan(typicalLimit(variant, width, ctx));
}

/** Allowed RMS error in units of the scale: 2u, or sqrt(sum depth) u for the subgroup variant. */
function typicalLimit(variant: LayerNormVariant, width: number, ctx: GpuContext): number {
  if (variant !== 'subgroup') return 2 * u;
  return Math.max(2, Math.sqrt(rowSumDepth(variant, width, subgroupLanes(ctx.features)))) * u;
}

interface BackwardCase {
  rows: number;
  width: number;
  hasBias: boolean;
  seed: number;
  dxBeta?: number;
  paramBeta?: number;
  /** Runs the prepared op twice and requires bit-identical results. */
  repeat?: boolean;
  ctx?: GpuContext;
  variant: LayerNormVariant;
}

/**
 * Backward tolerances. The kernel gets the reference's mean and rstd rounded to f32, and the
 * reference uses those same values, so only the backward's own rounding is measured:
 *   xhat and g = dy gain carry 2u relative each; the row means of g and g xhat carry
 *   (depth + 5) u of mean|g| and mean|g xhat|; the final combination adds a few u, so
 *   |ddx| <= (depth + 10) u (rstd (|g| + mean|g| + |xhat| mean|g xhat|) + |dxBeta old|).
 *   dgain_j, dbias_j are sums over rows of depth paramSumDepth (ceil(min(rows, 128) / 8) + 3 +
 *   rowBlocks for 'workgroup'), each term with 3u of its own: (depth + 5) u sum_r |dy xhat|
 *   (resp. |dy|), plus 2u for the accumulation (|paramBeta old| + |result|).
 */
async function checkBackward(c: BackwardCase) {
  const ctx = c.ctx ?? gpu();
  const { rows, width, hasBias } = c;
  const rng = new Rng(c.seed);
  const shape: LayerNormShape = { rows, width, eps: EPS };
  const x = rowsData(rng, rows, width);
  const gain = rng.uniformArray(width, -2, 2);
  const fwd = layerNormForwardRef(x, gain, undefined, shape);
  const mean = Float32Array.from(fwd.mean);
  const rstd = Float32Array.from(fwd.rstd);
  const dy = rng.uniformArray(rows * width);
  const dx0 = rng.uniformArray(rows * width);
  const dgain0 = rng.uniformArray(width);
  const dbias0 = rng.uniformArray(width);
  const dxBeta = c.dxBeta ?? 0;
  const paramBeta = c.paramBeta ?? 0;

  const s = new TensorScope(ctx);
  const tdx = s.up(dx0, 'dx');
  const tdgain = s.up(dgain0, 'dgain');
  const tdbias = hasBias ? s.up(dbias0, 'dbias') : undefined;
  const op = await prepareLayerNormBackward(ctx, {
    x: s.up(x, 'x'),
    gain: s.up(gain, 'gain'),
    mean: s.up(mean, 'mean'),
    rstd: s.up(rstd, 'rstd'),
    dy: s.up(dy, 'dy'),
    dx: tdx,
    dgain: tdgain,
    dbias: tdbias,
    rows,
    width,
    dxBeta,
    paramBeta,
    variant: c.variant,
  });
  expect(op.label).toContain(`[${c.variant}]`);
  await runOps(ctx, [op]);
  const dx = await readTensor(ctx, tdx);
  const dgain = await readTensor(ctx, tdgain);
  const dbias = tdbias ? await readTensor(ctx, tdbias) : undefined;
  if (c.repeat) {
    // Same inputs again (beta = 0 only): the sums have a fixed order, so the bits repeat.
    await runOps(ctx, [op]);
    expect(Array.from(await readTensor(ctx, tdx))).toEqual(Array.from(dx));
    expect(Array.from(await readTensor(ctx, tdgain))).toEqual(Array.from(dgain));
    if (tdbias && dbias)
      expect(Array.from(await readTensor(ctx, tdbias))).toEqual(Array.from(dbias));
  }
  op.release();
  s.release();

  const ref = layerNormBackwardRef(x, gain, mean, rstd, dy, shape, hasBias);
  const wantDx = ref.dx.map((v, i) => v + dxBeta * dx0[i]);
  const Kx = layerNormBoundFactors(c.variant, width, rows, subgroupLanes(ctx.features)).dx;
  const dxScale = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    let mg = 0;
    let mgx = 0;
    for (let j = 0; j < width; j++) {
      const i = r * width + j;
      const xhat = (x[i] - mean[r]) * rstd[r];
      mg += Math.abs(dy[i] * gain[j]) / width;
      mgx += Math.abs(dy[i] * gain[j] * xhat) / width;
    }
    for (let j = 0; j < width; j++) {
      const i = r * width + j;
      const xhat = (x[i] - mean[r]) * rstd[r];
      dxScale[i] =
        rstd[r] * (Math.abs(dy[i] * gain[j]) + mg + Math.abs(xhat) * mgx) +
        Math.abs(dxBeta * dx0[i]) +
        1e-30;
    }
  }
  expectWithin(
    dx,
    wantDx,
    dxScale.map((v) => Kx * u * v),
    `dx ${rows}x${width}`,
  );
  expect(typicalError(dx, wantDx, dxScale)).toBeLessThan(typicalLimit(c.variant, width, ctx));

  const Kp = layerNormBoundFactors(c.variant, width, rows, subgroupLanes(ctx.features)).param;
  const absG = new Float64Array(width);
  const absB = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const i = r * width + j;
      absG[j] += Math.abs(dy[i] * (x[i] - mean[r]) * rstd[r]);
      absB[j] += Math.abs(dy[i]);
    }
  }
  const accum = (sum: Float64Array, old: Float32Array) => sum.map((v, j) => v + paramBeta * old[j]);
  const pBound = (abs: Float64Array, want: Float64Array, old: Float32Array) =>
    abs.map(
      (a, j) => Kp * u * a + 2 * u * (Math.abs(paramBeta * old[j]) + Math.abs(want[j])) + 1e-30,
    );
  const wantG = accum(ref.dgain, dgain0);
  expectWithin(dgain, wantG, pBound(absG, wantG, dgain0), 'dgain');
  if (hasBias) {
    const wantB = accum(ref.dbias as Float64Array, dbias0);
    expectWithin(dbias as Float32Array, wantB, pBound(absB, wantB, dbias0), 'dbias');
  }
}

/** A forward layernorm's arguments over two zero rows of `width`. */
function twoZeroRows(s: TensorScope, width: number) {
  return {
    x: s.up(new Float32Array(2 * width), 'x'),
    gain: s.up(new Float32Array(width), 'gain'),
    y: s.empty(2 * width, 'y'),
    mean: s.empty(2, 'mean'),
    rstd: s.empty(2, 'rstd'),
    rows: 2,
    width,
  };
}

describe('layernorm variants', () => {
  it("row sums of the row variant are never deeper than the workgroup variant's", () => {
    // So running the row variant under the same bound formulas loosens no tolerance.
    const deeper: number[] = [];
    for (let n = 1; n <= 1 << 16; n++) {
      if (rowSumDepth('row', n, 0) > rowSumDepth('workgroup', n, 0)) deeper.push(n);
      if (paramSumDepth('row', n) > paramSumDepth('workgroup', n)) deeper.push(n);
    }
    expect(deeper).toEqual([]);
  });

  it('chooses subgroup (else row) on CPU fallbacks, row for narrow and workgroup for wide rows on GPUs', () => {
    const base = { vendor: 'v', architecture: 'a', device: 'd', description: '' };
    const cpu = { ...base, isFallback: true };
    const gpuAdapter = { ...base, isFallback: false };
    expect(chooseLayerNormVariant(cpu, 8192)).toBe('row');
    expect(chooseLayerNormVariant(cpu, 1)).toBe('row');
    expect(chooseLayerNormVariant(cpu, 64, true)).toBe('subgroup');
    expect(chooseLayerNormVariant(cpu, 8192, true)).toBe('subgroup');
    expect(chooseLayerNormVariant(gpuAdapter, 64, true)).toBe('row');
    expect(chooseLayerNormVariant(gpuAdapter, LAYERNORM_ROW_MAX_WIDTH)).toBe('row');
    expect(chooseLayerNormVariant(gpuAdapter, LAYERNORM_ROW_MAX_WIDTH + 1)).toBe('workgroup');
  });

  it('bounds the subgroup sums by lane count: ceil(n / lanes) + lanes - 1', () => {
    expect(subgroupSumDepth(127, 4)).toBe(32 + 3);
    expect(subgroupSumDepth(1, 32)).toBe(1 + 31);
    expect(rowSumDepth('subgroup', 1024, 32)).toBe(32 + 31);
    expect(() => subgroupSumDepth(8, 0)).toThrow(/lanes/);
  });

  it('runs subgroup only on a device with subgroups: refused when forced, else the thresholds', async () => {
    const ctx = gpu();
    // SwiftShader, where this suite runs, has 4-lane subgroups: the variant is tested below.
    if (ctx.adapter.architecture === 'swiftshader') expect(subgroupLanes(ctx.features)).toBe(4);
    const plain = await acquireNodeGpu({ disableFeatures: ['subgroups'] });
    try {
      expect(subgroupLanes(plain.features)).toBe(0);
      const s = new TensorScope(plain);
      const width = 7;
      const args = twoZeroRows(s, width);
      await expect(
        prepareLayerNormForward(plain, { ...args, variant: 'subgroup' }),
      ).rejects.toThrow(/subgroup needs a device with the subgroups feature/);
      // A tuning made on a device of this adapter with subgroups does not apply here.
      const tuned = { layernorm: { [`w${width}`]: 'subgroup' } };
      expect(chooseLayerNormVariant(plain.adapter, width, false, tuned)).toBe('subgroup');
      const op = await prepareLayerNormForward(withTunedVariants(plain, tuned), args);
      expect(op.label).toContain('[row]');
      op.release();
      s.release();
    } finally {
      releaseGpu(plain);
    }
  });

  it('uses the chosen variant by default and rejects an unknown one', async () => {
    const ctx = gpu();
    const s = new TensorScope(ctx);
    const width = 33;
    const args = twoZeroRows(s, width);
    const op = await prepareLayerNormForward(ctx, args);
    const subgroups = subgroupLanes(ctx.features) > 0;
    expect(op.label).toContain(`[${chooseLayerNormVariant(ctx.adapter, width, subgroups)}]`);
    op.release();
    const bad = { ...args, variant: 'tree' as LayerNormVariant };
    await expect(prepareLayerNormForward(ctx, bad)).rejects.toThrow(/unknown variant tree/);
    s.release();
  });
});

describe.each(LAYERNORM_VARIANTS)('layernorm kernel (%s) vs float64 reference', (variant) => {
  const sizes = [1, 7, 33, 127];
  const widths = [1, 7, 33, 127, 1024];

  it('forward, rows x width over awkward sizes, with and without bias', async () => {
    let seed = 1;
    for (const rows of sizes) {
      for (const width of widths) {
        await checkForward(rows, width, seed % 2 === 0, seed++, variant);
      }
    }
  });

  it('backward over awkward sizes, with and without bias', async () => {
    let seed = 100;
    for (const rows of sizes) {
      for (const width of widths) {
        await checkBackward({ rows, width, hasBias: seed % 2 === 1, seed: seed++, variant });
      }
    }
  });

  it('width 8192 (32 elements per workgroup thread)', async () => {
    await checkForward(3, 8192, true, 7, variant);
    await checkBackward({ rows: 3, width: 8192, hasBias: true, seed: 8, variant });
  });

  it('several row blocks for dgain/dbias, with accumulation into dx, dgain, dbias', async () => {
    await checkBackward({
      rows: 300,
      width: 33,
      hasBias: true,
      seed: 9,
      dxBeta: 1,
      paramBeta: 1,
      variant,
    });
    await checkBackward({
      rows: 257,
      width: 65,
      hasBias: false,
      seed: 10,
      paramBeta: 0.5,
      variant,
    });
  });

  it('dgain and dbias may be views of one gradient buffer', async () => {
    // Both are bound read_write in the same dispatch: allowed, unlike read + read_write.
    const ctx = gpu();
    const width = 33;
    const stride = ctx.limits.minStorageBufferOffsetAlignment / 4;
    const grads = createTensor(ctx, [2 * stride], 'f32', 'grads');
    const dgain = { ...grads, length: width, shape: [width] };
    const dbias = { ...grads, offset: stride * 4, length: width, shape: [width] };
    const rng = new Rng(13);
    const s = new TensorScope(ctx);
    const rows = 5;
    const op = await prepareLayerNormBackward(ctx, {
      x: s.up(rng.uniformArray(rows * width), 'x'),
      gain: s.up(rng.uniformArray(width), 'gain'),
      mean: s.up(new Float32Array(rows), 'mean'),
      rstd: s.up(new Float32Array(rows).fill(1), 'rstd'),
      dy: s.up(new Float32Array(rows * width).fill(1), 'dy'),
      dx: s.empty(rows * width, 'dx'),
      dgain,
      dbias,
      rows,
      width,
      variant,
    });
    await runOps(ctx, [op]);
    const all = await readTensor(ctx, grads);
    expect(Array.from(all.subarray(stride, stride + width))).toEqual(Array(width).fill(rows));
    op.release();
    s.release();
    releaseTensor(ctx, grads);
  });

  it('is deterministic: repeated runs give identical bits', async () => {
    await checkBackward({ rows: 300, width: 127, hasBias: true, seed: 11, repeat: true, variant });
  });

  it('splits rows over two grid dimensions past the per-dimension workgroup limit', async () => {
    const real = gpu();
    if (variant === 'workgroup') {
      // Same device with the limit lowered to 8: 33 rows need a (7, 5) grid.
      const ctx = { ...real, limits: { ...real.limits, maxComputeWorkgroupsPerDimension: 8 } };
      await checkForward(33, 7, true, 12, variant, ctx);
      await checkBackward({ rows: 33, width: 7, hasBias: true, seed: 12, ctx, variant });
    } else if (variant === 'subgroup') {
      // Limit 20: 300 rows, one workgroup each, on a (15, 20) grid.
      const ctx = { ...real, limits: { ...real.limits, maxComputeWorkgroupsPerDimension: 20 } };
      await checkForward(300, 65, true, 12, variant, ctx);
      await checkBackward({ rows: 300, width: 65, hasBias: true, seed: 12, ctx, variant });
    } else {
      // Limit 3: 300 rows are 5 workgroups of 64 rows on a (3, 2) grid; dgain/dbias use
      // 3 blocks x 65 columns = 4 workgroups of 64 threads on a (2, 2) grid.
      const ctx = { ...real, limits: { ...real.limits, maxComputeWorkgroupsPerDimension: 3 } };
      await checkForward(300, 65, true, 12, variant, ctx);
      await checkBackward({ rows: 300, width: 65, hasBias: true, seed: 12, ctx, variant });
    }
  });

  it('rejects bad shapes and aliased outputs', async () => {
    const ctx = gpu();
    const s = new TensorScope(ctx);
    const a = s.empty(12, 'a');
    const b = s.empty(12, 'b');
    const w = s.empty(4, 'w');
    const st = s.empty(3, 'st');
    const fwd = { x: a, gain: w, y: b, mean: st, rstd: st, rows: 3, width: 4 };
    await expect(prepareLayerNormForward(ctx, { ...fwd, width: 5 })).rejects.toThrow(
      /x has 12 elements, needs at least 15/,
    );
    await expect(prepareLayerNormForward(ctx, { ...fwd, rows: 0 })).rejects.toThrow(
      /rows must be a positive integer/,
    );
    await expect(prepareLayerNormForward(ctx, { ...fwd, y: a })).rejects.toThrow(
      /y and x share a GPU buffer/,
    );
    const bwd = { x: a, gain: w, mean: st, rstd: st, dy: b, dx: b, dgain: w, rows: 3, width: 4 };
    await expect(prepareLayerNormBackward(ctx, bwd)).rejects.toThrow(
      /dx and dy share a GPU buffer/,
    );
    s.release();
  });
});

describe('layernorm float64 reference backward vs central finite differences', () => {
  // Loss = sum(w * y) for a random w; the reference backward with dy = w must match the central
  // differences of the reference forward with respect to x, gain and bias (rstd and mean are
  // recomputed from x). Central differences with h = 1e-5 on O(1) values are accurate to ~1e-9.
  for (const [rows, width, hasBias] of [
    [3, 7, true],
    [2, 1, true],
    [4, 5, false],
  ] as const) {
    it(`${rows}x${width}, bias=${hasBias}`, () => {
      const rng = new Rng(rows * 31 + width);
      const shape: LayerNormShape = { rows, width, eps: 1e-3 };
      const x = Float64Array.from(rowsData(rng, rows, width));
      const gain = Float64Array.from(rng.uniformArray(width, -2, 2));
      const bias = Float64Array.from(rng.uniformArray(width));
      const w = Float64Array.from(rng.uniformArray(rows * width));
      const loss = () => dot(w, layerNormForwardRef(x, gain, hasBias ? bias : undefined, shape).y);
      const f = layerNormForwardRef(x, gain, hasBias ? bias : undefined, shape);
      const g = layerNormBackwardRef(x, gain, f.mean, f.rstd, w, shape, hasBias);
      expect(maxRelativeDifference(g.dx, centralDifferences(loss, x), 1)).toBeLessThan(1e-7);
      expect(maxRelativeDifference(g.dgain, centralDifferences(loss, gain), 1)).toBeLessThan(1e-7);
      if (hasBias) {
        const db = g.dbias as Float64Array;
        expect(maxRelativeDifference(db, centralDifferences(loss, bias), 1)).toBeLessThan(1e-7);
      }
    });
  }
});
