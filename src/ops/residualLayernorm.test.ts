import { describe, expect, it } from 'vitest';
import { TensorScope, useGpu } from '../../test/gpu';
import { LAYERNORM_VARIANTS } from './layernorm';
import {
  chooseResidualLayerNormVariant,
  prepareResidualLayerNorm,
  RESIDUAL_LAYERNORM_VARIANTS,
  type ResidualLayerNormVariant,
} from './residualLayernorm';
import { withScope, Worst } from './selftest/common';
import { checkResidualLayerNorm, type ResidualLayerNormCase } from './selftest/residualLayernorm';

const gpu = useGpu();

/**
 * x = a + s b, then LN(x) per run: x against the float64 sum (residualAddBound), y, mean and rstd
 * against the float64 layernorm of the x the op wrote, with the layernorm's bounds (the
 * self-test's check, src/ops/selftest/residualLayernorm.ts). Returns the worst ratio and where.
 */
function check(c: ResidualLayerNormCase): Promise<Worst> {
  return withScope(gpu(), async (scope) => {
    const worst = new Worst();
    const label = await checkResidualLayerNorm(scope, worst, c);
    expect(label).toContain(`[${c.variant}]`);
    return worst;
  });
}

describe.each(LAYERNORM_VARIANTS)('residual + layernorm (%s) vs float64 reference', (lnVariant) => {
  it.each(RESIDUAL_LAYERNORM_VARIANTS)('%s over awkward shapes, stacked runs', async (variant) => {
    let seed = 1;
    const rowsList = [1, 7, 33, 127];
    for (const rowsPerRun of rowsList) {
      for (const width of [1, 7, 33, 127]) {
        const runs = 1 + (seed % 3);
        const c = { runs, rowsPerRun, width, paramStride: width + 5 };
        const worst = await check({
          ...c,
          hasBias: seed % 2 === 0,
          seed: seed++,
          variant,
          layerNormVariant: lnVariant,
        });
        const what = `K=${runs} ${rowsPerRun}x${width}: ${worst.part}`;
        expect(worst.ratio, what).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('residual_layernorm variants', () => {
  it('fused by the thresholds; a tuned choice wins; an unknown variant is refused', async () => {
    const ctx = gpu();
    expect(chooseResidualLayerNormVariant(ctx.adapter, { width: 64 })).toBe('fused');
    const tuned = { residual_layernorm: { w64: 'separate' } };
    expect(chooseResidualLayerNormVariant(ctx.adapter, { width: 64 }, tuned)).toBe('separate');
    expect(chooseResidualLayerNormVariant(ctx.adapter, { width: 65 }, tuned)).toBe('fused');
    const t = new TensorScope(ctx);
    const v = () => t.empty(4, 'v');
    const args = { a: v(), b: v(), x: v(), gain: v(), y: v(), mean: v(), rstd: v() };
    await expect(
      prepareResidualLayerNorm(ctx, {
        ...args,
        rows: 1,
        width: 4,
        variant: 'fuse' as ResidualLayerNormVariant,
      }),
    ).rejects.toThrow(/unknown variant fuse/);
    // The fused op writes x: it must not be a or b.
    await expect(
      prepareResidualLayerNorm(ctx, { ...args, x: args.a, rows: 1, width: 4, variant: 'fused' }),
    ).rejects.toThrow(/x and a share a GPU buffer/);
    t.release();
  });
});
