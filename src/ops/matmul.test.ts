import { describe, expect, it } from 'vitest';
import { readTensor, releaseTensor, runOps, uploadTensor, type GpuTensor } from '../gpu';
import { matmulAbsScale, matmulRef, type MatmulShape } from '../reference/matmul';
import { Rng } from '../util/random';
import { compareWithin, F32_EPS, relativeRms, useGpu } from '../../test/gpu';
import { prepareMatmul } from './matmul';

const gpu = useGpu();

/**
 * Tolerance: each output is a length-K f32 dot product, whose rounding error is at most
 * gamma_K = K u / (1 - K u) times sum_p |a_ip b_pj| (u = 2^-24), plus one rounding each for
 * alpha, bias and beta*C. We assert that worst-case bound per element, and separately that the
 * typical (RMS) error is below 1e-6 of the output's RMS, which random-sign accumulation gives.
 */
async function check(shape: MatmulShape, opts: { bias?: boolean; seed?: number } = {}) {
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
  const bias = opts.bias ? rng.uniformArray(n) : undefined;
  const tensors: GpuTensor[] = [];
  const up = (x: Float32Array, label: string) => {
    const t = uploadTensor(ctx, x, [x.length], label);
    tensors.push(t);
    return t;
  };
  const ta = up(a, 'A');
  const tb = up(b, 'B');
  const tc = up(c0, 'C');
  const tbias = bias ? up(bias, 'bias') : undefined;
  const op = await prepareMatmul(ctx, { ...shape, a: ta, b: tb, c: tc, bias: tbias });
  await runOps(ctx, [op]);
  const got = await readTensor(ctx, tc);
  op.release();
  tensors.forEach((t) => releaseTensor(ctx, t));

  const want = matmulRef(a, b, shape, bias, c0);
  const scale = matmulAbsScale(a, b, shape);
  const gamma = (k * F32_EPS) / (1 - k * F32_EPS);
  const beta = shape.beta ?? 0;
  const bound = want.map(
    (w, i) =>
      gamma * scale[i] + 3 * F32_EPS * (Math.abs(w) + (bias ? 1 : 0) + Math.abs(beta)) + 1e-30,
  );
  const report = compareWithin(got, want, bound);
  expect(
    report.worstRatio,
    `worst at ${report.worstIndex}, max abs err ${report.maxAbs}`,
  ).toBeLessThanOrEqual(1);
  expect(relativeRms(got, want)).toBeLessThan(1e-6);
}

describe('matmul kernel vs float64 reference', () => {
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
          await check({ m, k, n, transA, transB });
        }
      }
    });
  }

  it('the 1024x64x256 transformer shape in every variant', async () => {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      await check({ m: 1024, k: 64, n: 256, transA, transB });
    }
  });

  it('non-square shapes larger than a tile', async () => {
    await check({ m: 65, k: 200, n: 130 });
    await check({ m: 130, k: 17, n: 65, transB: true });
  });

  it('bias, alpha and accumulate into C', async () => {
    await check({ m: 33, k: 7, n: 127, alpha: 0.5, beta: 1 }, { bias: true });
    await check({ m: 7, k: 33, n: 1, alpha: -2, beta: 0.25, transA: true }, { bias: true });
  });

  it('batched, with a broadcast operand', async () => {
    await check({ m: 33, k: 16, n: 7, batch: 3 });
    await check({ m: 17, k: 9, n: 33, batch: 4, strideB: 0, transB: true });
  });

  it('rejects operands too small for the shape', async () => {
    const ctx = gpu();
    const small = uploadTensor(ctx, new Float32Array(4), [4]);
    await expect(
      prepareMatmul(ctx, { a: small, b: small, c: small, m: 3, k: 3, n: 3 }),
    ).rejects.toThrow(/A has 4 elements, needs at least 9/);
    releaseTensor(ctx, small);
  });
});
