import { describe, expect, it } from 'vitest';
import {
  createTensor,
  readTensor,
  releaseTensor,
  runOps,
  uploadTensor,
  type GpuContext,
  type GpuTensor,
} from '../gpu';
import { residualAddRef } from '../reference/residual';
import { Rng } from '../util/random';
import { useGpu } from '../../test/gpu';
import { layerNormBoundFactors, residualAddBound } from './errorBounds';
import { LAYERNORM_VARIANTS, type LayerNormVariant } from './layernorm';
import {
  chooseResidualLayerNormVariant,
  prepareResidualLayerNorm,
  RESIDUAL_LAYERNORM_VARIANTS,
  type ResidualLayerNormVariant,
} from './residualLayernorm';
import { worstRatio, Worst } from './selftest/common';
import { addForwardRatios } from './selftest/layernorm';
import { subgroupLanes } from './subgroups';
import { installTunedVariants } from './variants';

const gpu = useGpu();

class Tensors {
  private readonly all: GpuTensor[] = [];
  constructor(private readonly ctx: GpuContext) {}
  up(data: Float32Array, label: string): GpuTensor {
    const t = uploadTensor(this.ctx, data, [data.length], label);
    this.all.push(t);
    return t;
  }
  empty(n: number, label: string): GpuTensor {
    const t = createTensor(this.ctx, [n], 'f32', label);
    this.all.push(t);
    return t;
  }
  release(): void {
    for (const t of this.all) releaseTensor(this.ctx, t);
  }
}

interface Case {
  runs: number;
  rowsPerRun: number;
  width: number;
  hasBias: boolean;
  seed: number;
  variant: ResidualLayerNormVariant;
  layerNormVariant: LayerNormVariant;
}

/**
 * x = a + s b, then LN(x) per run: x against the float64 sum (residualAddBound), y, mean and rstd
 * against the float64 layernorm of the x the op wrote, with the layernorm's bounds (the
 * self-test's addForwardRatios). Returns the worst ratio and where.
 */
async function check(c: Case): Promise<Worst> {
  const ctx = gpu();
  const { runs, rowsPerRun, width } = c;
  const rows = runs * rowsPerRun;
  const n = rows * width;
  const paramStride = width + 5;
  const paramLength = (runs - 1) * paramStride + width;
  const scale = 1 / Math.sqrt(3);
  const rng = new Rng(c.seed);
  const a = new Float32Array(n);
  for (let r = 0; r < rows; r++) {
    const offset = 8 * rng.next() - 4;
    const spread = 0.1 + 1.9 * rng.next();
    for (let j = 0; j < width; j++) a[r * width + j] = offset + spread * (2 * rng.next() - 1);
  }
  const b = rng.uniformArray(n, -2, 2);
  const gain = rng.uniformArray(paramLength, -2, 2);
  const bias = c.hasBias ? rng.uniformArray(paramLength) : undefined;
  const t = new Tensors(ctx);
  const [tx, ty, tmean, trstd] = [
    t.empty(n, 'x'),
    t.empty(n, 'y'),
    t.empty(rows, 'mean'),
    t.empty(rows, 'rstd'),
  ];
  const op = await prepareResidualLayerNorm(ctx, {
    a: t.up(a, 'a'),
    b: t.up(b, 'b'),
    scale,
    x: tx,
    gain: t.up(gain, 'gain'),
    bias: bias && t.up(bias, 'bias'),
    y: ty,
    mean: tmean,
    rstd: trstd,
    rows,
    width,
    runs,
    paramStride,
    variant: c.variant,
    layerNormVariant: c.layerNormVariant,
  });
  expect(op.label).toContain(`[${c.variant}]`);
  let got: Float32Array[];
  try {
    await runOps(ctx, [op]);
    got = [];
    for (const x of [tx, ty, tmean, trstd]) got.push(await readTensor(ctx, x));
  } finally {
    op.release();
    t.release();
  }
  const [x, y, mean, rstd] = got;
  const worst = new Worst();
  worst.add(
    'x',
    worstRatio(x, residualAddRef(a, b, scale), (i) => residualAddBound(a[i], scale * b[i])),
  );
  const lanes = subgroupLanes(ctx.features);
  const factorY = layerNormBoundFactors(c.layerNormVariant, width, rows, lanes).y;
  for (let k = 0; k < runs; k++) {
    const rowsOf = (v: Float32Array, cols: number) =>
      v.subarray(k * rowsPerRun * cols, (k + 1) * rowsPerRun * cols);
    const params = (v: Float32Array) => v.subarray(k * paramStride, k * paramStride + width);
    addForwardRatios(
      worst,
      { y: rowsOf(y, width), mean: rowsOf(mean, 1), rstd: rowsOf(rstd, 1) },
      {
        x: rowsOf(x, width),
        gain: params(gain),
        bias: bias && params(bias),
        rows: rowsPerRun,
        width,
      },
      factorY,
    );
  }
  return worst;
}

describe.each(LAYERNORM_VARIANTS)('residual + layernorm (%s) vs float64 reference', (lnVariant) => {
  it.each(RESIDUAL_LAYERNORM_VARIANTS)('%s over awkward shapes, stacked runs', async (variant) => {
    let seed = 1;
    const rowsList = [1, 7, 33, 127];
    for (const rowsPerRun of rowsList) {
      for (const width of [1, 7, 33, 127]) {
        const runs = 1 + (seed % 3);
        const c = { runs, rowsPerRun, width, hasBias: seed % 2 === 0, seed: seed++ };
        const worst = await check({ ...c, variant, layerNormVariant: lnVariant });
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
    installTunedVariants(ctx.adapter, { residual_layernorm: { w64: 'separate' } });
    try {
      expect(chooseResidualLayerNormVariant(ctx.adapter, { width: 64 })).toBe('separate');
      expect(chooseResidualLayerNormVariant(ctx.adapter, { width: 65 })).toBe('fused');
    } finally {
      installTunedVariants(ctx.adapter, undefined);
    }
    const t = new Tensors(ctx);
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
