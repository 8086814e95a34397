/**
 * layernorm self-test: forward (with bias) and backward (accumulating: dxBeta = paramBeta = 1),
 * 130 rows (past one 64-row workgroup and one 128-row parameter block) of width 33, rows with
 * offsets up to 4x their spread. Bounds as in src/ops/layernorm.test.ts, with the sum depths of
 * the variant that runs (forced, or the one the adapter gets):
 *   y:     (depth + 8) u (|gain| (|xhat| + rstd mean|x|) + |y|); mean, rstd: (depth + 8) u of
 *          mean|x| and of rstd;
 *   dx:    (depth + 10) u (rstd (|g| + mean|g| + |xhat| mean|g xhat|) + |dxBeta old|), g = dy gain;
 *   dgain, dbias: (paramDepth + 5) u sum_r |dy xhat| (resp. |dy|) + 2u (|old| + |result|).
 * The backward gets the reference's mean and rstd rounded to f32, as in the unit test, so only
 * its own rounding is measured.
 */
import { layerNormBackwardRef, layerNormForwardRef } from '../../reference/layernorm';
import { Rng } from '../../util/random';
import {
  LAYERNORM_DEFAULT_EPS,
  prepareLayerNormBackward,
  prepareLayerNormForward,
  LAYERNORM_VARIANT_REGISTRY,
  layerNormVariantOn,
} from '../layernorm';
import { subgroupLanes } from '../subgroups';
import { layerNormBoundFactors } from '../errorBounds';
import { asVariant } from '../variants';
import { F32_EPS as u, worstRatio, scopedSelfTest, type Worst } from './common';

export const layernormSelfTest = scopedSelfTest('layernorm', async (scope, worst, variantName) => {
  const { ctx } = scope;
  const rows = 130;
  const width = 33;
  const variant = layerNormVariantOn(
    ctx,
    width,
    rows,
    asVariant(LAYERNORM_VARIANT_REGISTRY, variantName),
  );
  const factors = layerNormBoundFactors(variant, width, rows, subgroupLanes(ctx.features));
  const eps = Math.fround(LAYERNORM_DEFAULT_EPS);
  const shape = { rows, width, eps };
  const rng = new Rng(5);
  const x = offsetRows(rng, rows, width);
  const gain = rng.uniformArray(width, -2, 2);
  const bias = rng.uniformArray(width);
  const fref = layerNormForwardRef(x, gain, bias, shape);
  const mean = Float32Array.from(fref.mean);
  const rstd = Float32Array.from(fref.rstd);
  const dy = rng.uniformArray(rows * width);
  const dx0 = rng.uniformArray(rows * width);
  const dgain0 = rng.uniformArray(width);
  const dbias0 = rng.uniformArray(width);

  const tx = scope.upload(x, 'x');
  const tgain = scope.upload(gain, 'gain');
  const ty = scope.output(rows * width, 'y');
  const tmean = scope.output(rows, 'mean');
  const trstd = scope.output(rows, 'rstd');
  const tdx = scope.upload(dx0, 'dx');
  const tdgain = scope.upload(dgain0, 'dgain');
  const tdbias = scope.upload(dbias0, 'dbias');
  const fwd = await scope.op(
    prepareLayerNormForward(ctx, {
      x: tx,
      gain: tgain,
      bias: scope.upload(bias, 'bias'),
      y: ty,
      mean: tmean,
      rstd: trstd,
      rows,
      width,
      eps: LAYERNORM_DEFAULT_EPS,
      variant,
    }),
  );
  const bwd = await scope.op(
    prepareLayerNormBackward(ctx, {
      x: tx,
      gain: tgain,
      mean: scope.upload(mean, 'saved mean'),
      rstd: scope.upload(rstd, 'saved rstd'),
      dy: scope.upload(dy, 'dy'),
      dx: tdx,
      dgain: tdgain,
      dbias: tdbias,
      rows,
      width,
      dxBeta: 1,
      paramBeta: 1,
      variant,
    }),
  );
  await scope.run([fwd, bwd], 'selftest layernorm');

  addForwardRatios(
    worst,
    { y: await scope.read(ty), mean: await scope.read(tmean), rstd: await scope.read(trstd) },
    { x, gain, bias, rows, width },
    factors.y,
  );

  // Backward, accumulating into dx, dgain, dbias.
  const bref = layerNormBackwardRef(x, gain, mean, rstd, dy, shape, true);
  const wantDx = bref.dx.map((v, i) => v + dx0[i]);
  const Kx = factors.dx;
  const mg = new Float64Array(rows);
  const mgx = new Float64Array(rows);
  const xhatOf = (i: number) => {
    const r = Math.floor(i / width);
    return (x[i] - mean[r]) * rstd[r];
  };
  for (let i = 0; i < rows * width; i++) {
    const r = Math.floor(i / width);
    const g = Math.abs(dy[i] * gain[i % width]);
    mg[r] += g / width;
    mgx[r] += (g * Math.abs(xhatOf(i))) / width;
  }
  const dxBound = (i: number) => {
    const r = Math.floor(i / width);
    const g = Math.abs(dy[i] * gain[i % width]);
    const scale = rstd[r] * (g + mg[r] + Math.abs(xhatOf(i)) * mgx[r]) + Math.abs(dx0[i]);
    return Kx * u * scale + 1e-30;
  };
  worst.add('dx', worstRatio(await scope.read(tdx), wantDx, dxBound));

  const Kp = factors.param;
  const absG = new Float64Array(width);
  const absB = new Float64Array(width);
  for (let i = 0; i < rows * width; i++) {
    absG[i % width] += Math.abs(dy[i] * xhatOf(i));
    absB[i % width] += Math.abs(dy[i]);
  }
  const wantG = bref.dgain.map((v, j) => v + dgain0[j]);
  const wantB = (bref.dbias as Float64Array).map((v, j) => v + dbias0[j]);
  const pBound = (abs: Float64Array, want: Float64Array, old: Float32Array) => (j: number) =>
    Kp * u * abs[j] + 2 * u * (Math.abs(old[j]) + Math.abs(want[j])) + 1e-30;
  worst.add('dgain', worstRatio(await scope.read(tdgain), wantG, pBound(absG, wantG, dgain0)));
  worst.add('dbias', worstRatio(await scope.read(tdbias), wantB, pBound(absB, wantB, dbias0)));
  return `${rows}x${width} [${variant}] with bias, forward and accumulating backward`;
});

/** Rows of `width` values, each row offset by up to ±4 with a spread of 0.1-2 around it. */
export function offsetRows(rng: Rng, rows: number, width: number): Float32Array {
  const x = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const offset = 8 * rng.next() - 4;
    const spread = 0.1 + 1.9 * rng.next();
    for (let j = 0; j < width; j++) x[r * width + j] = offset + spread * (2 * rng.next() - 1);
  }
  return x;
}

/** A layernorm's input: `runs` runs of `rows` rows, run k's gain and bias at k · paramStride. */
export interface LayerNormInput {
  x: Float32Array;
  gain: Float32Array;
  bias?: Float32Array;
  rows: number;
  width: number;
  runs?: number;
  paramStride?: number;
}

/**
 * Adds the forward's worst ratios (y, mean, rstd) against the float64 layernorm of `input`, per
 * run: y within K u (|gain| (|xhat| + rstd mean|x|) + |y|), mean within K u mean|x|, rstd within
 * K u rstd, K = factorY (layerNormBoundFactors(...).y).
 */
export function addForwardRatios(
  worst: Worst,
  got: { y: Float32Array; mean: Float32Array; rstd: Float32Array },
  input: LayerNormInput,
  factorY: number,
): void {
  const { rows, width } = input;
  const stride = input.paramStride ?? width;
  for (let k = 0; k < (input.runs ?? 1); k++) {
    const rowsOf = (v: Float32Array, cols: number) =>
      v.subarray(k * rows * cols, (k + 1) * rows * cols);
    const params = (v: Float32Array) => v.subarray(k * stride, k * stride + width);
    addRunRatios(
      worst,
      { y: rowsOf(got.y, width), mean: rowsOf(got.mean, 1), rstd: rowsOf(got.rstd, 1) },
      rowsOf(input.x, width),
      params(input.gain),
      input.bias && params(input.bias),
      { rows, width },
      factorY,
    );
  }
}

function addRunRatios(
  worst: Worst,
  got: { y: Float32Array; mean: Float32Array; rstd: Float32Array },
  x: Float32Array,
  gain: Float32Array,
  bias: Float32Array | undefined,
  { rows, width }: { rows: number; width: number },
  factorY: number,
): void {
  const fref = layerNormForwardRef(x, gain, bias, {
    rows,
    width,
    eps: Math.fround(LAYERNORM_DEFAULT_EPS),
  });
  const K = factorY;
  const meanAbs = new Float64Array(rows);
  for (let i = 0; i < rows * width; i++) meanAbs[Math.floor(i / width)] += Math.abs(x[i]) / width;
  const yBound = (i: number) => {
    const r = Math.floor(i / width);
    const j = i % width;
    const xhat = (x[i] - fref.mean[r]) * fref.rstd[r];
    const scale =
      Math.abs(gain[j]) * (Math.abs(xhat) + fref.rstd[r] * meanAbs[r]) + Math.abs(fref.y[i]);
    return K * u * scale + 1e-30;
  };
  worst.add('y', worstRatio(got.y, fref.y, yBound));
  worst.add(
    'mean',
    worstRatio(got.mean, fref.mean, (r) => K * u * meanAbs[r] + 1e-30),
  );
  worst.add(
    'rstd',
    worstRatio(got.rstd, fref.rstd, (r) => K * u * fref.rstd[r]),
  );
}
