/**
 * matmul self-test: plain and transposed operands, 33 x 70 x 65 (no multiple of any tile).
 * Bound: matmulBound (src/ops/errorBounds.ts), which the kernel test also holds it to.
 */
import type { PreparedOp } from '../../gpu';
import { matmulAbsScale, matmulRef } from '../../reference/matmul';
import { Rng } from '../../util/random';
import { matmulBound } from '../errorBounds';
import { MATMUL_VARIANT_REGISTRY, prepareMatmul } from '../matmul';
import { asVariant } from '../variants';
import { worstRatio, scopedSelfTest } from './common';

export const matmulSelfTest = scopedSelfTest('matmul', async (scope, worst, variantName) => {
  const { ctx } = scope;
  const variant = asVariant(MATMUL_VARIANT_REGISTRY, variantName);
  const rng = new Rng(7);
  const cases = (
    [
      [false, false],
      [true, false],
      [false, true],
    ] as const
  ).map(([transA, transB]) => {
    const shape = { m: 33, k: 70, n: 65, transA, transB };
    const a = rng.uniformArray(shape.m * shape.k);
    const b = rng.uniformArray(shape.k * shape.n);
    const c = scope.output(shape.m * shape.n, 'C');
    return { shape, a, b, c, name: `${transA ? 'A^T' : 'A'} ${transB ? 'B^T' : 'B'}` };
  });
  const ops: PreparedOp[] = [];
  for (const { shape, a, b, c } of cases) {
    const args = { ...shape, a: scope.upload(a, 'A'), b: scope.upload(b, 'B'), c, variant };
    ops.push(await scope.op(prepareMatmul(ctx, args)));
  }
  await scope.run(ops, 'selftest matmul');
  for (const { shape, a, b, c, name } of cases) {
    const got = await scope.read(c);
    const want = matmulRef(a, b, shape);
    const scale = matmulAbsScale(a, b, shape);
    worst.add(
      name,
      worstRatio(got, want, (i) => matmulBound(shape.k, scale[i], want[i])),
    );
  }
  return '33x70x65, plain and transposed operands';
});
