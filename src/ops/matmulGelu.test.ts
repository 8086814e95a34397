import { describe, expect, it } from 'vitest';
import matmulWgsl from '../../kernels/matmul.wgsl?raw';
import matmulDirectWgsl from '../../kernels/matmul_direct.wgsl?raw';
import matmulQuadWgsl from '../../kernels/matmul_quad.wgsl?raw';
import geluWgsl from '../../kernels/gelu.wgsl?raw';
import { releaseTensor, uploadTensor } from '../gpu';
import { Rng } from '../util/random';
import { useGpu } from '../../test/gpu';
import { MATMUL_VARIANTS } from './matmul';
import {
  chooseMatmulGeluVariant,
  MATMUL_GELU_VARIANTS,
  prepareMatmulGeluBackward,
  prepareMatmulGeluForward,
} from './matmulGelu';
import { runSelfTests } from './selftest';
import { withScope } from './selftest/common';
import { runMatmulGeluCase, type MatmulGeluCase } from './selftest/matmulGelu';

const gpu = useGpu();

/**
 * Tolerances: u by matmulBound, g by geluOfMatmulBound, dU by geluGradOfMatmulBound
 * (src/ops/errorBounds.ts: the matmul's bound carried through gelu's slope, plus gelu's own).
 * Shapes as the MLP's two matmuls take them (per run: u = x W + b; dU = (alpha dY W^T) gelu'(u)),
 * over 1..3 stacked runs whose weights and biases share one parameter buffer.
 */
const CASES: MatmulGeluCase[] = [
  { m: 1, k: 1, n: 1, batch: 1, alpha: 1 },
  { m: 7, k: 33, n: 127, batch: 2, alpha: 0.5 },
  { m: 127, k: 7, n: 33, batch: 3, alpha: 1 },
  { m: 33, k: 127, n: 7, batch: 1, alpha: 2 },
  { m: 33, k: 1, n: 33, batch: 3, alpha: 0.25 },
  // Aligned (the tiled kernel's whole-vec4 loads), as a width-16 model's MLP.
  { m: 64, k: 16, n: 64, batch: 2, alpha: 1 },
];

for (const variant of MATMUL_VARIANTS) {
  for (const epilogue of MATMUL_GELU_VARIANTS) {
    describe(`matmul_gelu [${epilogue}] on matmul [${variant}] vs float64 reference`, () => {
      it('forward u, g and backward dU on awkward shapes, 1-3 runs, a bias per run', async () => {
        const ctx = gpu();
        if (variant === 'quad' && !ctx.features.subgroups) return;
        const rng = new Rng(5);
        for (const c of CASES) {
          const ratios = await withScope(ctx, (scope) =>
            runMatmulGeluCase(scope, rng, c, { epilogue, variant }),
          );
          for (const [part, ratio] of Object.entries(ratios)) {
            expect(ratio, `${part} of ${JSON.stringify(c)}`).toBeLessThanOrEqual(1);
          }
          // A comparison that never saw an error would be vacuous.
          expect(ratios.u + ratios.g + ratios.dU).toBeGreaterThan(0);
        }
      });
    });
  }
}

describe('matmul_gelu choice, labels and argument checks', () => {
  it('fuses unless a tuning says otherwise; each variant prepares its dispatches', async () => {
    const ctx = gpu();
    const adapter = { ...ctx.adapter };
    const problem = { m: 16, k: 16, n: 64, direction: 'forward' as const };
    expect(chooseMatmulGeluVariant(adapter, problem)).toBe('fused');
    const t = (n: number) => uploadTensor(ctx, new Float32Array(n), [n]);
    // Forward: x [16, 16] · W [16, 64]; backward: dY [16, 64] · W^T with W [16, 64] read as [64, 16]^T.
    const [a, b, c, g, dG, dY, dU, u] = [256, 1024, 1024, 1024, 256, 1024, 256, 256].map(t);
    const fused = await prepareMatmulGeluForward(ctx, { m: 16, k: 16, n: 64, a, b, c, g });
    expect(fused).toHaveLength(1);
    const separate = await prepareMatmulGeluBackward(ctx, {
      ...{ m: 16, k: 64, n: 16, a: dY, b, c: dU, u, dG: () => dG, transB: true },
      epilogue: 'separate',
    });
    // 'fused' never asks for the scratch.
    const fusedBack = await prepareMatmulGeluBackward(ctx, {
      ...{ m: 16, k: 64, n: 16, a: dY, b, c: dU, u, transB: true },
      dG: () => {
        throw new Error('fused asked for dG');
      },
    });
    expect(fusedBack).toHaveLength(1);
    expect(separate.map((op) => op.label)).toEqual([
      expect.stringMatching(/^matmul 16x64x16 \[/),
      'matmul gelu backward',
    ]);
    for (const op of [...fused, ...separate, ...fusedBack]) op.release();
    for (const x of [a, b, c, g, dG, dY, dU, u]) releaseTensor(ctx, x);
  });

  it('rejects gaps between batches of C, beta, and g in the buffer of C', async () => {
    const ctx = gpu();
    const t = (n: number) => uploadTensor(ctx, new Float32Array(n), [n]);
    const [a, b, c, g] = [t(64), t(64), t(256), t(256)];
    const shape = { m: 8, k: 8, n: 8, a, b, c, g };
    await expect(
      prepareMatmulGeluForward(ctx, { ...shape, batch: 2, strideA: 0, strideB: 0, strideC: 128 }),
    ).rejects.toThrow(/strideC must be m·n/);
    await expect(prepareMatmulGeluForward(ctx, { ...shape, beta: 1 })).rejects.toThrow(
      /beta must be 0/,
    );
    await expect(prepareMatmulGeluForward(ctx, { ...shape, g: c })).rejects.toThrow(
      /C and geluOut share a GPU buffer/,
    );
    for (const x of [a, b, c, g]) releaseTensor(ctx, x);
  });
});

describe('matmul_gelu self-test', () => {
  it('passes with either variant and fails a broken epilogue or a broken GELU pass', async () => {
    const ctx = gpu();
    for (const variant of MATMUL_GELU_VARIANTS) {
      const [r] = await runSelfTests(ctx, undefined, { kernels: ['matmul_gelu'], variant });
      expect(r.passed, r.detail).toBe(true);
      expect(r.detail).toContain(`[${variant}]`);
    }
    // The separate pass 0.01 % off.
    const badGelu = geluWgsl.replace('y[i] = gelu(x[i]);', 'y[i] = gelu(x[i]) * 1.0001;');
    expect(badGelu).not.toBe(geluWgsl);
    const [sep] = await runSelfTests(ctx, undefined, {
      kernels: ['matmul_gelu'],
      variant: 'separate',
      overrides: [{ name: 'gelu', code: badGelu }],
    });
    expect(sep.passed, sep.detail).toBe(false);
    // Every matmul kernel's first output block 0.1 % off: the fused epilogue sees it.
    const overrides = [
      ['matmul_direct', matmulDirectWgsl, 'store4(batch, row0, col0, WX, acc[0]'],
      ['matmul_quad', matmulQuadWgsl, 'store4(batch, row0 + q + 0u, col0 + (q ^ 0u), 4u, acc[0]'],
      ['matmul', matmulWgsl, 'store4(batch, r0, c0, 1u, acc[0]'],
    ].map(([name, code, call]) => {
      const bad = code.replace(`${call});`, `${call} * 1.001);`);
      expect(bad, name).not.toBe(code);
      return { name, code: bad };
    });
    const [fused] = await runSelfTests(ctx, undefined, {
      kernels: ['matmul_gelu'],
      variant: 'fused',
      overrides,
    });
    expect(fused.passed, fused.detail).toBe(false);
  });
});
