/**
 * residual_layernorm self-test: x = a + s b (s = 3^-1/2, not exact in f32) and y = LN(x) with a
 * bias, 2 stacked runs of 65 rows (past one 64-row workgroup) of width 33, each run with its own
 * gain and bias 40 elements apart, rows with offsets up to 4x their spread. x within
 * residualAddBound of the float64 sum; y, mean, rstd within the layernorm self-test's bounds of
 * the float64 layernorm of the x the kernel wrote, per run. src/ops/residualLayernorm.test.ts
 * runs the same check over awkward shapes and every layernorm variant.
 */
import { residualAddRef } from '../../reference/residual';
import { Rng } from '../../util/random';
import { layerNormBoundFactors, residualAddBound } from '../errorBounds';
import { layerNormVariantOn, type LayerNormVariant } from '../layernorm';
import {
  prepareResidualLayerNorm,
  RESIDUAL_LAYERNORM_VARIANT_REGISTRY,
  type ResidualLayerNormVariant,
} from '../residualLayernorm';
import { subgroupLanes } from '../subgroups';
import { asVariant } from '../variants';
import { worstRatio, scopedSelfTest, type SelfTestScope, type Worst } from './common';
import { addForwardRatios, offsetRows } from './layernorm';

export interface ResidualLayerNormCase {
  runs: number;
  rowsPerRun: number;
  width: number;
  /** Elements from one run's gain and bias to the next's (at least width). */
  paramStride: number;
  hasBias: boolean;
  seed: number;
  /** Default: the choosers'. */
  variant?: ResidualLayerNormVariant;
  layerNormVariant?: LayerNormVariant;
}

/** Runs one case and adds its worst ratios (x, y, mean, rstd) to `worst`; returns the op label. */
export async function checkResidualLayerNorm(
  scope: SelfTestScope,
  worst: Worst,
  c: ResidualLayerNormCase,
): Promise<string> {
  const { ctx } = scope;
  const { runs, rowsPerRun, width, paramStride } = c;
  const rows = runs * rowsPerRun;
  const n = rows * width;
  const s = 1 / Math.sqrt(3);
  const lnVariant = layerNormVariantOn(ctx, width, rows, c.layerNormVariant);
  const rng = new Rng(c.seed);
  const a = offsetRows(rng, rows, width);
  const b = rng.uniformArray(n, -2, 2);
  const paramLength = (runs - 1) * paramStride + width;
  const gain = rng.uniformArray(paramLength, -2, 2);
  const bias = c.hasBias ? rng.uniformArray(paramLength) : undefined;
  const [tx, ty] = [scope.output(n, 'x'), scope.output(n, 'y')];
  const [tmean, trstd] = [scope.output(rows, 'mean'), scope.output(rows, 'rstd')];
  const op = await scope.op(
    prepareResidualLayerNorm(ctx, {
      a: scope.upload(a, 'a'),
      b: scope.upload(b, 'b'),
      scale: s,
      x: tx,
      gain: scope.upload(gain, 'gain'),
      bias: bias && scope.upload(bias, 'bias'),
      y: ty,
      mean: tmean,
      rstd: trstd,
      rows,
      width,
      runs,
      paramStride,
      variant: c.variant,
      layerNormVariant: lnVariant,
    }),
  );
  await scope.run([op], 'selftest residual_layernorm');
  const x = await scope.read(tx);
  worst.add(
    'x',
    worstRatio(x, residualAddRef(a, b, s), (i) => residualAddBound(a[i], s * b[i])),
  );
  const [y, mean, rstd] = [await scope.read(ty), await scope.read(tmean), await scope.read(trstd)];
  addForwardRatios(
    worst,
    { y, mean, rstd },
    { x, gain, bias, rows: rowsPerRun, width, runs, paramStride },
    layerNormBoundFactors(lnVariant, width, rows, subgroupLanes(ctx.features)).y,
  );
  return op.label;
}

export const residualLayernormSelfTest = scopedSelfTest(
  'residual_layernorm',
  async (scope, worst, variantName) => {
    const c = { runs: 2, rowsPerRun: 65, width: 33, paramStride: 40, hasBias: true, seed: 21 };
    const variant = asVariant(RESIDUAL_LAYERNORM_VARIANT_REGISTRY, variantName);
    const label = await checkResidualLayerNorm(scope, worst, { ...c, variant });
    const variants = label.match(/\[[^\]]+\]/g)?.join(' ');
    return `${c.runs} runs of ${c.rowsPerRun}x${c.width} ${variants}, scale 3^-1/2, with bias`;
  },
);
