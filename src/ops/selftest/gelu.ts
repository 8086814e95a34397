/**
 * gelu self-test: forward and backward over 300 values (two workgroups of 256, one partial),
 * N(0, 9) plus zeros, both tails and the clamps (|z| = 40 near |x| = 9.3, |x| = 100 and beyond).
 * Bound: geluBound (src/ops/errorBounds.ts), which the kernel test also holds it to.
 */
import { geluBackwardRef, geluRef } from '../../reference/gelu';
import { Rng } from '../../util/random';
import { geluBound } from '../errorBounds';
import { prepareGeluBackward, prepareGeluForward } from '../gelu';
import { worstRatio, scopedSelfTest, type SelfTestScope } from './common';

const SPECIAL = [0, -0, 1e-6, -1e-6, 0.5, -0.75, -1.5, 3, -3, 6, -9.5, 20, -20, 150, -1e6];

/** y = gelu(x) and dx = dy gelu'(x) in one submission (the kernel test and the self-test). */
export async function runGelu(scope: SelfTestScope, x: Float32Array, dy: Float32Array) {
  const { ctx } = scope;
  const tx = scope.upload(x, 'x');
  const ty = scope.output(x.length, 'y');
  const tdx = scope.output(x.length, 'dx');
  const fwd = await scope.op(prepareGeluForward(ctx, { x: tx, y: ty }));
  const bwd = await scope.op(
    prepareGeluBackward(ctx, { x: tx, dy: scope.upload(dy, 'dy'), dx: tdx }),
  );
  await scope.run([fwd, bwd], 'gelu');
  return { y: await scope.read(ty), dx: await scope.read(tdx) };
}

export const geluSelfTest = scopedSelfTest('gelu', async (scope, worst) => {
  const n = 300;
  const rng = new Rng(3);
  const x = rng.normalArray(n, 3);
  SPECIAL.forEach((v, i) => (x[(i * 97) % n] = v));
  const dy = rng.uniformArray(n);
  const { y, dx } = await runGelu(scope, x, dy);
  worst.add(
    'y',
    worstRatio(y, geluRef(x), (i) => geluBound(x[i])),
  );
  worst.add(
    'dx',
    worstRatio(dx, geluBackwardRef(x, dy), (i) => geluBound(x[i], dy[i])),
  );
  return `${n} values incl. tails and clamps, forward and backward`;
});
