import { describe, expect, it } from 'vitest';
import { createTensor, releaseTensor, type GpuContext } from '../gpu';
import { geluBackwardRef, geluRef } from '../reference/gelu';
import { Rng } from '../util/random';
import { compareWithin, F32_EPS, useGpu } from '../../test/gpu';
import { withScope } from './selftest/common';
import { runGelu } from './selftest/gelu';
import { centralDifferences, dot, maxRelativeDifference } from '../../test/gradcheck';
import { geluBound, geluScale, geluTanhArg } from './errorBounds';
import { prepareGeluBackward, prepareGeluForward } from './gelu';

const gpu = useGpu();
const u = F32_EPS;

/** Values that reach both tails, the clamps (|z| = 40 near |x| = 9.3, |x| = 100) and zero. */
const SPECIAL = [0, -0, 1e-6, -1e-6, 0.5, -0.5, -0.75, -1.5, 3, -3, 6, -6, 9, -9.5, 20, -20];
const SPECIAL_FAR = [150, -150, 1e6, -1e6];

function inputs(rng: Rng, n: number): Float32Array {
  const x = rng.normalArray(n, 3);
  const special = [...SPECIAL, ...SPECIAL_FAR];
  for (let i = 0; i < Math.min(n, special.length); i++) x[(i * 7919) % n] = special[i];
  return x;
}

/**
 * Tolerance: geluBound (src/ops/errorBounds.ts), (16 + 16a) u of the output's magnitude plus the
 * clamps' floor. The typical error (RMS of error / (scale (1 + a))) must stay within 2u, a
 * rounding or two.
 */
function expectClose(got: Float32Array, want: Float64Array, x: Float32Array, dy?: Float32Array) {
  const scale = Float64Array.from(x, (v, i) => geluScale(v, dy?.[i]));
  const bound = Float64Array.from(x, (v, i) => geluBound(v, dy?.[i]));
  const r = compareWithin(got, want, bound);
  expect(r.worstRatio, `worst at x = ${x[r.worstIndex]}, abs err ${r.maxAbs}`).toBeLessThan(1);
  // Typical error: RMS of error / (scale (1 + a)) where the clamp does not act: within 2u.
  let sq = 0;
  let count = 0;
  for (let i = 0; i < want.length; i++) {
    if (geluTanhArg(x[i]) >= 40) continue;
    sq += ((got[i] - want[i]) / (scale[i] * (1 + geluTanhArg(x[i])))) ** 2;
    count++;
  }
  if (count > 0) expect(Math.sqrt(sq / count)).toBeLessThan(2 * u);
}

async function check(n: number, seed: number, ctx: GpuContext = gpu()) {
  const rng = new Rng(seed);
  const x = inputs(rng, n);
  const dy = rng.uniformArray(n);
  const { y, dx } = await withScope(ctx, (scope) => runGelu(scope, x, dy));

  expectClose(y, geluRef(x), x);
  expectClose(dx, geluBackwardRef(x, dy), x, dy);
}

describe('gelu kernel vs float64 reference', () => {
  it('forward and backward over awkward lengths', async () => {
    let seed = 1;
    for (const n of [1, 7, 33, 127, 256, 1000, 4099]) await check(n, seed++);
  });

  it('splits a long array over two grid dimensions past the per-dimension limit', async () => {
    // Same device with the limit lowered to 8: 33 * 256 + 5 elements need a (6, 6) grid.
    const real = gpu();
    const ctx = { ...real, limits: { ...real.limits, maxComputeWorkgroupsPerDimension: 8 } };
    await check(33 * 256 + 5, 9, ctx);
  });

  it('rejects bad lengths and aliased outputs', async () => {
    const ctx = gpu();
    const a = createTensor(ctx, [8], 'f32', 'a');
    const b = createTensor(ctx, [4], 'f32', 'b');
    await expect(prepareGeluForward(ctx, { x: a, y: b })).rejects.toThrow(
      /y has 4 elements, needs at least 8/,
    );
    await expect(prepareGeluForward(ctx, { x: a, y: a })).rejects.toThrow(/share a GPU buffer/);
    await expect(prepareGeluBackward(ctx, { x: a, dy: b, dx: b, n: 4 })).rejects.toThrow(
      /dx and dy share a GPU buffer/,
    );
    releaseTensor(ctx, a);
    releaseTensor(ctx, b);
  });
});

describe('gelu float64 reference backward vs central finite differences', () => {
  it('matches d/dx sum(w * gelu(x)) on both tails and near zero', () => {
    // Central differences with h = 1e-6 on |x| <= 20 are accurate to ~1e-9 relative.
    const rng = new Rng(5);
    const x = Float64Array.from([...rng.normalArray(40, 3), ...SPECIAL]);
    const w = Float64Array.from(rng.uniformArray(x.length));
    const fd = centralDifferences(() => dot(w, geluRef(x)), x, 1e-6);
    expect(maxRelativeDifference(geluBackwardRef(x, w), fd, 1)).toBeLessThan(1e-8);
  });
});
