/**
 * gelu self-test: forward and backward over 300 values (two workgroups of 256, one partial),
 * N(0, 9) plus zeros, both tails and the clamps (|z| = 40 near |x| = 9.3, |x| = 100 and beyond).
 * Bound as in src/ops/gelu.test.ts: (16 + 16a) u of the output's magnitude, a = min(|z|, 40)
 * (WGSL's exp is within 3 + 2|arg| ulp), plus the clamps' 1e-34 |x| (y) and 1e-29 |dy| (dx).
 */
import { readTensor, runOps } from '../../gpu';
import { geluBackwardRef, geluParts, geluRef } from '../../reference/gelu';
import { Rng } from '../../util/random';
import { prepareGeluBackward, prepareGeluForward } from '../gelu';
import { F32_EPS as u, withScope, worstRatio, Worst, type SelfTest } from './common';

const SPECIAL = [0, -0, 1e-6, -1e-6, 0.5, -0.75, -1.5, 3, -3, 6, -9.5, 20, -20, 150, -1e6];

function aOf(x: number): number {
  const z = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
  return Math.min(Math.abs(z), 40);
}

/** |y| (dy undefined) or |dx|'s magnitude: the scale rounding errors follow. */
function scaleOf(x: number, dy?: number): number {
  const t = geluParts(x);
  const magnitude =
    dy === undefined
      ? 0.5 * Math.abs(x) * t.onePlusTanh
      : Math.abs(dy) * (0.5 * t.onePlusTanh + 0.5 * Math.abs(x) * t.sech2 * t.dz);
  return magnitude + 1e-38;
}

function bound(x: Float32Array, dy?: Float32Array): (i: number) => number {
  return (i) => {
    const clamp = dy === undefined ? 1e-34 * Math.abs(x[i]) : 1e-29 * Math.abs(dy[i]);
    return (16 + 16 * aOf(x[i])) * u * scaleOf(x[i], dy?.[i]) + clamp;
  };
}

export const geluSelfTest: SelfTest = {
  kernel: 'gelu',
  run: (ctx) =>
    withScope(ctx, async (scope) => {
      const n = 300;
      const rng = new Rng(3);
      const x = rng.normalArray(n, 3);
      SPECIAL.forEach((v, i) => (x[(i * 97) % n] = v));
      const dy = rng.uniformArray(n);
      const tx = scope.upload(x, 'x');
      const ty = scope.output(n, 'y');
      const tdx = scope.output(n, 'dx');
      const fwd = await scope.op(prepareGeluForward(ctx, { x: tx, y: ty }));
      const bwd = await scope.op(
        prepareGeluBackward(ctx, { x: tx, dy: scope.upload(dy, 'dy'), dx: tdx }),
      );
      await runOps(ctx, [fwd, bwd], 'selftest gelu');
      const worst = new Worst();
      worst.add('y', worstRatio(await readTensor(ctx, ty), geluRef(x), bound(x)));
      worst.add('dx', worstRatio(await readTensor(ctx, tdx), geluBackwardRef(x, dy), bound(x, dy)));
      return worst.result(`${n} values incl. tails and clamps, forward and backward`);
    }),
};
