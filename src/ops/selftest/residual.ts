/**
 * residual self-test over 300 values (two workgroups of 256, one partial): out = a + s b with the
 * depth-µP multiplier s = 3^-1/2 (not exact in f32); axpy with beta = 0 into NaN (dst must never
 * be read) and with beta = -1.5. Bounds: residualAddBound and axpyBound (src/ops/errorBounds.ts),
 * which the kernel test also holds it to.
 */
import { axpyRef, residualAddRef } from '../../reference/residual';
import { Rng } from '../../util/random';
import { axpyBound, residualAddBound } from '../errorBounds';
import { prepareResidualAdd, prepareResidualAxpy } from '../residual';
import { worstRatio, scopedSelfTest } from './common';

export const residualSelfTest = scopedSelfTest('residual', async (scope, worst) => {
  const { ctx } = scope;
  const n = 300;
  const s = 1 / Math.sqrt(3);
  const [alpha, beta] = [0.75, -1.5];
  const rng = new Rng(9);
  const a = rng.uniformArray(n, -4, 4);
  const b = rng.uniformArray(n, -4, 4);
  const src = rng.uniformArray(n);
  const dst0 = rng.uniformArray(n);
  const tout = scope.output(n, 'out');
  const tscaled = scope.output(n, 'axpy beta=0');
  const tdst = scope.upload(dst0, 'axpy dst');
  const tsrc = scope.upload(src, 'axpy src');
  const ops = [
    await scope.op(
      prepareResidualAdd(ctx, {
        a: scope.upload(a, 'a'),
        b: scope.upload(b, 'b'),
        out: tout,
        scale: s,
      }),
    ),
    await scope.op(prepareResidualAxpy(ctx, { src: tsrc, dst: tscaled, alpha: s })),
    await scope.op(prepareResidualAxpy(ctx, { src: tsrc, dst: tdst, alpha, beta })),
  ];
  await scope.run(ops, 'selftest residual');
  worst.add(
    'add',
    worstRatio(await scope.read(tout), residualAddRef(a, b, s), (i) =>
      residualAddBound(a[i], s * b[i]),
    ),
  );
  worst.add(
    'axpy beta=0',
    worstRatio(await scope.read(tscaled), axpyRef(src, dst0, s, 0), (i) =>
      axpyBound(s * src[i], 0),
    ),
  );
  worst.add(
    'axpy',
    worstRatio(await scope.read(tdst), axpyRef(src, dst0, alpha, beta), (i) =>
      axpyBound(alpha * src[i], beta * dst0[i]),
    ),
  );
  return `${n} values, scale 3^-1/2; add, axpy with beta 0 and -1.5`;
});
