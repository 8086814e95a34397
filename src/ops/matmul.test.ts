import { describe, expect, it } from 'vitest';
import { readTensor, releaseTensor, runOps, uploadTensor, type GpuTensor } from '../gpu';
import { matmulAbsScale, matmulRef, type MatmulShape } from '../reference/matmul';
import { Rng } from '../util/random';
import { compareWithin, relativeRms, useGpu } from '../../test/gpu';
import { matmulBound } from './errorBounds';
import { chooseMatmulVariant, MATMUL_VARIANTS, prepareMatmul, type MatmulVariant } from './matmul';

const gpu = useGpu();

/**
 * Tolerance: matmulBound (src/ops/errorBounds.ts), gamma_K sum_p |a_ip b_pj| plus one rounding
 * each for alpha, bias and beta*C, per element; and separately the typical (RMS) error below 1e-6
 * of the output's RMS, which random-sign accumulation gives.
 */
async function check(
  shape: MatmulShape,
  opts: { bias?: boolean; seed?: number; variant?: MatmulVariant; viewOffset?: number } = {},
) {
  const ctx = gpu();
  const rng = new Rng(opts.seed ?? 1);
  const batch = shape.batch ?? 1;
  const { m, k, n } = shape;
  const aLen = (batch - 1) * (shape.strideA ?? m * k) + m * k;
  const bLen = (batch - 1) * (shape.strideB ?? k * n) + k * n;
  const cLen = (batch - 1) * (shape.strideC ?? m * n) + m * n;
  const a = rng.uniformArray(aLen);
  const b = rng.uniformArray(bLen);
  const c0 = rng.uniformArray(cLen);
  const bias = opts.bias ? rng.uniformArray((batch - 1) * (shape.strideBias ?? 0) + n) : undefined;
  const tensors: GpuTensor[] = [];
  const up = (x: Float32Array, label: string): GpuTensor => {
    const skip = opts.viewOffset ?? 0;
    if (skip === 0) {
      const t = uploadTensor(ctx, x, [x.length], label);
      tensors.push(t);
      return t;
    }
    // A view `skip` elements into a larger buffer, as parameters packed into one buffer are.
    const padded = new Float32Array(skip + x.length);
    padded.set(x, skip);
    const whole = uploadTensor(ctx, padded, [padded.length], label);
    tensors.push(whole);
    return { ...whole, offset: skip * 4, length: x.length, shape: [x.length] };
  };
  const ta = up(a, 'A');
  const tb = up(b, 'B');
  const tc = up(c0, 'C');
  const tbias = bias ? up(bias, 'bias') : undefined;
  const variant = opts.variant;
  const op = await prepareMatmul(ctx, { ...shape, a: ta, b: tb, c: tc, bias: tbias, variant });
  await runOps(ctx, [op]);
  const got = await readTensor(ctx, tc);
  op.release();
  tensors.forEach((t) => releaseTensor(ctx, t));

  const want = matmulRef(a, b, shape, bias, c0);
  const scale = matmulAbsScale(a, b, shape);
  const bound = want.map((w, i) =>
    matmulBound(k, scale[i], w, { bias: bias !== undefined, beta: shape.beta }),
  );
  const report = compareWithin(got, want, bound);
  expect(
    report.worstRatio,
    `worst at ${report.worstIndex}, max abs err ${report.maxAbs}`,
  ).toBeLessThanOrEqual(1);
  expect(relativeRms(got, want)).toBeLessThan(1e-6);
}

// Every variant runs every case, whatever the adapter would choose.
for (const variant of MATMUL_VARIANTS) {
  const checkV = (shape: MatmulShape, opts: { bias?: boolean; viewOffset?: number } = {}) =>
    check(shape, { ...opts, variant });

  describe(`matmul [${variant}] vs float64 reference`, () => {
    const sizes = [1, 7, 33, 127];
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`awkward shapes, transA=${transA} transB=${transB}`, async () => {
        for (const m of sizes) {
          for (const k of sizes) {
            // Keep the count of runs modest on SwiftShader: n cycles through the sizes.
            const n = sizes[(sizes.indexOf(m) + sizes.indexOf(k)) % sizes.length];
            await checkV({ m, k, n, transA, transB });
          }
        }
      });
    }

    it('the 1024x64x256 transformer shape in every transpose', async () => {
      for (const [transA, transB] of [
        [false, false],
        [true, false],
        [false, true],
      ] as const) {
        await checkV({ m: 1024, k: 64, n: 256, transA, transB });
      }
    });

    it('non-square shapes larger than a tile', async () => {
      await checkV({ m: 65, k: 200, n: 130 });
      await checkV({ m: 130, k: 17, n: 65, transB: true });
      await checkV({ m: 257, k: 9, n: 129, transA: true });
    });

    it('aligned shapes with partial tiles (whole-vec4 loads, no k checks)', async () => {
      await checkV({ m: 36, k: 16, n: 20 });
      await checkV({ m: 20, k: 8, n: 36, transA: true });
      await checkV({ m: 44, k: 24, n: 12, transB: true });
      await checkV({ m: 132, k: 40, n: 68, transA: true, transB: true });
    });

    it('operands that are views into larger buffers', async () => {
      await checkV({ m: 36, k: 16, n: 20 }, { viewOffset: 64 });
      await checkV({ m: 7, k: 33, n: 5, transA: true }, { viewOffset: 128 });
    });

    it('bias, alpha and accumulate into C', async () => {
      await checkV({ m: 33, k: 7, n: 127, alpha: 0.5, beta: 1 }, { bias: true });
      await checkV({ m: 7, k: 33, n: 1, alpha: -2, beta: 0.25, transA: true }, { bias: true });
      await checkV({ m: 64, k: 32, n: 64, alpha: 2, beta: -1, transB: true }, { bias: true });
    });

    it('batched, with a bias per batch (strideBias) or one shared', async () => {
      // As the stacked runs' linear layers: each run's weights and bias a parameter stride apart.
      await checkV(
        { m: 33, k: 7, n: 127, batch: 3, strideB: 7 * 127 + 5, strideBias: 131 },
        { bias: true },
      );
      await checkV({ m: 7, k: 1, n: 33, batch: 2, strideBias: 33 }, { bias: true });
      await checkV({ m: 127, k: 33, n: 7, batch: 3, transB: true, strideBias: 9 }, { bias: true });
      await checkV({ m: 1, k: 127, n: 1, batch: 2, transA: true, strideBias: 1 }, { bias: true });
      await checkV({ m: 7, k: 7, n: 33, batch: 3, strideBias: 0 }, { bias: true });
    });

    it('batched, with a broadcast operand', async () => {
      await checkV({ m: 33, k: 16, n: 7, batch: 3 });
      await checkV({ m: 17, k: 9, n: 33, batch: 4, strideB: 0, transB: true });
      await checkV({ m: 36, k: 16, n: 20, batch: 3 });
      await checkV({ m: 40, k: 24, n: 12, batch: 2, strideA: 0, transA: true });
    });
  });
}

describe('matmul variant choice and argument checks', () => {
  const adapter = { vendor: 'v', architecture: 'a', device: 'd', description: '' };

  it('uses a barrier-free kernel on CPU fallback adapters (quad with subgroups), tiles on GPUs', () => {
    const cpu = { ...adapter, isFallback: true };
    const gpuAdapter = { ...adapter, isFallback: false };
    expect(chooseMatmulVariant(cpu, { m: 1024, n: 1024 })).toBe('direct');
    expect(chooseMatmulVariant(cpu, { m: 1, n: 1 })).toBe('direct');
    expect(chooseMatmulVariant(cpu, { m: 1024, n: 1024, subgroups: true })).toBe('quad');
    expect(chooseMatmulVariant(cpu, { m: 64, k: 1024, n: 64, transA: true, subgroups: true })).toBe(
      'quad',
    );
    expect(chooseMatmulVariant(gpuAdapter, { m: 1024, n: 1024, subgroups: true })).toBe('tiled128');
    expect(chooseMatmulVariant(gpuAdapter, { m: 1024, n: 1024 })).toBe('tiled128');
    expect(chooseMatmulVariant(gpuAdapter, { m: 1024, n: 256 })).toBe('tiled64');
    expect(chooseMatmulVariant(gpuAdapter, { m: 1024, n: 256, batch: 4 })).toBe('tiled128');
  });

  it('the default choice runs and names its variant', async () => {
    const ctx = gpu();
    const want = chooseMatmulVariant(ctx.adapter, {
      m: 9,
      n: 9,
      subgroups: ctx.features.subgroups,
    });
    const t = uploadTensor(ctx, new Float32Array(81), [81]);
    const op = await prepareMatmul(ctx, {
      a: t,
      b: t,
      c: uploadTensor(ctx, new Float32Array(81), [81]),
      m: 9,
      k: 9,
      n: 9,
    });
    expect(op.label).toContain(`[${want}]`);
    op.release();
    releaseTensor(ctx, t);
  });

  it('rejects operands too small for the shape', async () => {
    const ctx = gpu();
    const small = uploadTensor(ctx, new Float32Array(4), [4]);
    await expect(
      prepareMatmul(ctx, { a: small, b: small, c: small, m: 3, k: 3, n: 3 }),
    ).rejects.toThrow(/A has 4 elements, needs at least 9/);
    releaseTensor(ctx, small);
  });

  it('rejects an output that shares a buffer with an input, naming the pair', async () => {
    const ctx = gpu();
    const t = uploadTensor(ctx, new Float32Array(9), [9]);
    const other = uploadTensor(ctx, new Float32Array(9), [9]);
    await expect(prepareMatmul(ctx, { a: other, b: t, c: t, m: 3, k: 3, n: 3 })).rejects.toThrow(
      /C and B share a GPU buffer/,
    );
    await expect(
      prepareMatmul(ctx, { a: other, b: other, c: t, bias: t, m: 3, k: 3, n: 3 }),
    ).rejects.toThrow(/C and bias share a GPU buffer/);
    releaseTensor(ctx, t);
    releaseTensor(ctx, other);
  });
});

describe('matmul on a device without subgroups', () => {
  const plain = useGpu({ disableFeatures: ['subgroups'] });

  it('chooses direct where quad would need subgroups, and refuses a forced quad', async () => {
    const ctx = plain();
    const t = uploadTensor(ctx, new Float32Array(81), [81]);
    const c = uploadTensor(ctx, new Float32Array(81), [81]);
    const args = { a: t, b: t, c, m: 9, k: 9, n: 9 };
    const op = await prepareMatmul(ctx, args);
    expect(op.label).not.toContain('[quad]');
    op.release();
    await expect(prepareMatmul(ctx, { ...args, variant: 'quad' })).rejects.toThrow(
      /variant quad needs the subgroups feature/,
    );
    releaseTensor(ctx, t);
    releaseTensor(ctx, c);
  });
});
