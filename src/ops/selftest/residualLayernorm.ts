/**
 * residual_layernorm self-test: x = a + s b (s = 3^-1/2, not exact in f32) and y = LN(x) with a
 * bias, 2 stacked runs of 65 rows (past one 64-row workgroup) of width 33, each run with its own
 * gain and bias 40 elements apart, rows with offsets up to 4x their spread. x within
 * residualAddBound of the float64 sum; y, mean, rstd within the layernorm self-test's bounds of
 * the float64 layernorm of the x the kernel wrote (the layernorm variant that runs: the
 * adapter's), per run.
 */
import { residualAddRef } from '../../reference/residual';
import { Rng } from '../../util/random';
import { layerNormBoundFactors, residualAddBound } from '../errorBounds';
import { layerNormVariantOn } from '../layernorm';
import {
  prepareResidualLayerNorm,
  RESIDUAL_LAYERNORM_VARIANT_REGISTRY,
} from '../residualLayernorm';
import { subgroupLanes } from '../subgroups';
import { asVariant } from '../variants';
import { worstRatio, scopedSelfTest } from './common';
import { addForwardRatios } from './layernorm';

export const residualLayernormSelfTest = scopedSelfTest(
  'residual_layernorm',
  async (scope, worst, variantName) => {
    const { ctx } = scope;
    const [runs, rowsPerRun, width, paramStride] = [2, 65, 33, 40];
    const rows = runs * rowsPerRun;
    const n = rows * width;
    const s = 1 / Math.sqrt(3);
    const variant = asVariant(RESIDUAL_LAYERNORM_VARIANT_REGISTRY, variantName);
    const lnVariant = layerNormVariantOn(ctx, width, rows);
    const rng = new Rng(21);
    const a = new Float32Array(n);
    for (let r = 0; r < rows; r++) {
      const offset = 8 * rng.next() - 4;
      const spread = 0.1 + 1.9 * rng.next();
      for (let j = 0; j < width; j++) a[r * width + j] = offset + spread * (2 * rng.next() - 1);
    }
    const b = rng.uniformArray(n);
    const paramLength = (runs - 1) * paramStride + width;
    const gain = rng.uniformArray(paramLength, -2, 2);
    const bias = rng.uniformArray(paramLength);
    const tx = scope.output(n, 'x');
    const ty = scope.output(n, 'y');
    const tmean = scope.output(rows, 'mean');
    const trstd = scope.output(rows, 'rstd');
    const op = await scope.op(
      prepareResidualLayerNorm(ctx, {
        a: scope.upload(a, 'a'),
        b: scope.upload(b, 'b'),
        scale: s,
        x: tx,
        gain: scope.upload(gain, 'gain'),
        bias: scope.upload(bias, 'bias'),
        y: ty,
        mean: tmean,
        rstd: trstd,
        rows,
        width,
        runs,
        paramStride,
        variant,
        layerNormVariant: lnVariant,
      }),
    );
    await scope.run([op], 'selftest residual_layernorm');
    const x = await scope.read(tx);
    worst.add(
      'x',
      worstRatio(x, residualAddRef(a, b, s), (i) => residualAddBound(a[i], s * b[i])),
    );
    const [y, mean, rstd] = [
      await scope.read(ty),
      await scope.read(tmean),
      await scope.read(trstd),
    ];
    const factorY = layerNormBoundFactors(lnVariant, width, rows, subgroupLanes(ctx.features)).y;
    for (let k = 0; k < runs; k++) {
      const rowsOf = (v: Float32Array, cols: number) =>
        v.subarray(k * rowsPerRun * cols, (k + 1) * rowsPerRun * cols);
      const params = (v: Float32Array) => v.subarray(k * paramStride, k * paramStride + width);
      addForwardRatios(
        worst,
        { y: rowsOf(y, width), mean: rowsOf(mean, 1), rstd: rowsOf(rstd, 1) },
        { x: rowsOf(x, width), gain: params(gain), bias: params(bias), rows: rowsPerRun, width },
        factorY,
      );
    }
    return `${runs} runs of ${rowsPerRun}x${width} [${op.label.match(/\[[^\]]+\]/g)?.join(' ')}], scale 3^-1/2, with bias`;
  },
);
