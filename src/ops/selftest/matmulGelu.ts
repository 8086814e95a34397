/**
 * matmul_gelu self-test: the MLP's GELU with its matmuls (src/ops/matmulGelu.ts), fused into the
 * epilogue or separate, over 2 stacked runs whose weights and biases sit in one parameter buffer
 * as the model's do (a bias per run): forward u = x W_z + b_z and g = gelu(u), backward
 * dU = (alpha dY W_z^T) gelu'(u). 33 x 20 x 65 (no multiple of any tile).
 * Bounds: matmulBound, geluOfMatmulBound, geluGradOfMatmulBound (src/ops/errorBounds.ts), which
 * the kernel test (src/ops/matmulGelu.test.ts) also holds it to.
 */
import { viewOf } from '../../gpu';
import { geluBackwardRef, geluRef } from '../../reference/gelu';
import { matmulAbsScale, matmulRef, type MatmulShape } from '../../reference/matmul';
import { Rng } from '../../util/random';
import { geluGradOfMatmulBound, geluOfMatmulBound, matmulBound } from '../errorBounds';
import type { MatmulVariant } from '../matmul';
import {
  MATMUL_GELU_VARIANT_REGISTRY,
  prepareMatmulGeluBackward,
  prepareMatmulGeluForward,
  type MatmulGeluVariant,
} from '../matmulGelu';
import { asVariant } from '../variants';
import { worstRatio, scopedSelfTest, type SelfTestScope } from './common';

export interface MatmulGeluCase {
  m: number;
  k: number;
  n: number;
  batch: number;
  /** The backward's alpha (the model's residual multiplier). */
  alpha: number;
}

/** Worst error / bound of u, g (forward) and dU (backward). */
export interface MatmulGeluRatios {
  u: number;
  g: number;
  dU: number;
}

const align64 = (x: number) => Math.ceil(x / 64) * 64;

/**
 * Runs the forward and the backward of `c` in one submission and compares them with the float64
 * reference. Per run z the parameter buffer holds W_z [k, n] (the backward reads it as [n, k]
 * transposed) and b_z [n], each 256-byte aligned, runs `stride` elements apart.
 */
export async function runMatmulGeluCase(
  scope: SelfTestScope,
  rng: Rng,
  c: MatmulGeluCase,
  opts: { epilogue?: MatmulGeluVariant; variant?: MatmulVariant } = {},
): Promise<MatmulGeluRatios> {
  const { ctx } = scope;
  const { m, k, n, batch, alpha } = c;
  const biasAt = align64(k * n);
  const stride = align64(biasAt + n);
  const params = rng.uniformArray(stride * batch);
  const x = rng.uniformArray(batch * m * k);
  const dY = rng.uniformArray(batch * m * k);
  // The GELU's input for the backward: N(0, 9) spans both tails and the curve between.
  const uIn = rng.normalArray(batch * m * n, 3);
  const tParams = scope.upload(params, 'params');
  const bias = viewOf(tParams, biasAt, [tParams.length - biasAt]);
  const u = scope.output(batch * m * n, 'u');
  const g = scope.output(batch * m * n, 'g');
  const dU = scope.output(batch * m * n, 'dU');
  const common = { m, k, n, batch, strideB: stride, ...opts };
  const ops = [
    ...(await scope.opList(
      prepareMatmulGeluForward(ctx, {
        ...common,
        a: scope.upload(x, 'x'),
        b: tParams,
        bias,
        strideBias: stride,
        c: u,
        g,
      }),
    )),
    ...(await scope.opList(
      prepareMatmulGeluBackward(ctx, {
        ...common,
        a: scope.upload(dY, 'dY'),
        b: tParams,
        transB: true,
        alpha,
        c: dU,
        u: scope.upload(uIn, 'u in'),
        dG: () => scope.output(batch * m * n, 'dG'),
      }),
    )),
  ];
  await scope.run(ops, 'matmul_gelu');

  const fwd: MatmulShape = { m, k, n, batch, strideB: stride, strideBias: stride };
  const uWant = matmulRef(x, params, fwd, params.subarray(biasAt));
  const uScale = matmulAbsScale(x, params, fwd);
  const uBound = (i: number) => matmulBound(k, uScale[i], uWant[i], { bias: true });
  const bwd: MatmulShape = { m, k, n, batch, strideB: stride, transB: true, alpha };
  const dGWant = matmulRef(dY, params, bwd);
  const dGScale = matmulAbsScale(dY, params, bwd);
  const dUWant = geluBackwardRef(uIn, dGWant);
  return {
    u: worstRatio(await scope.read(u), uWant, uBound),
    g: worstRatio(await scope.read(g), geluRef(uWant), (i) =>
      geluOfMatmulBound(uWant[i], uBound(i)),
    ),
    dU: worstRatio(await scope.read(dU), dUWant, (i) =>
      geluGradOfMatmulBound(uIn[i], dGWant[i], matmulBound(k, dGScale[i], dGWant[i])),
    ),
  };
}

export const matmulGeluSelfTest = scopedSelfTest('matmul_gelu', async (scope, worst, name) => {
  const epilogue = asVariant(MATMUL_GELU_VARIANT_REGISTRY, name);
  const ratios = await runMatmulGeluCase(
    scope,
    new Rng(11),
    { m: 33, k: 20, n: 65, batch: 2, alpha: 0.7 },
    { epilogue },
  );
  for (const [part, ratio] of Object.entries(ratios)) worst.add(part, ratio);
  return `33x20x65, 2 runs, bias per run${epilogue ? ` [${epilogue}]` : ''}, forward and backward`;
});
