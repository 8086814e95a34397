import { describe, expect, it } from 'vitest';
import {
  createTensor,
  releaseTensor,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import { axpyRef, residualAddBackwardRef, residualAddRef } from '../reference/residual';
import { Rng } from '../util/random';
import { compareWithin, useGpu } from '../../test/gpu';
import { withScope } from './selftest/common';
import { centralDifferences, dot, maxRelativeDifference } from '../../test/gradcheck';
import { axpyBound, residualAddBound } from './errorBounds';
import { prepareResidualAccumulate, prepareResidualAdd, prepareResidualAxpy } from './residual';

const gpu = useGpu();
const LENGTHS = [1, 7, 33, 127, 1000, 4099];
/** 1, depth-µP's L^-1/2 at L = 3 (not representable in f32), CompleteP's L^-1 at L = 4, -2. */
const SCALES = [1, 1 / Math.sqrt(3), 0.25, -2];

/**
 * Tolerance: residualAddBound for add and accumulate, axpyBound for axpy (src/ops/errorBounds.ts):
 * 3u (|a| + |scale b|) and 4u (|alpha src| + |beta dst|). Elementwise, no accumulation.
 */
function expectClose(got: Float32Array, want: Float64Array, bound: Float64Array) {
  const r = compareWithin(got, want, bound);
  expect(r.worstRatio, `worst at ${r.worstIndex}, abs err ${r.maxAbs}`).toBeLessThan(1);
}

async function checkAll(n: number, scale: number, seed: number, ctx: GpuContext = gpu()) {
  await withScope(ctx, async (scope) => {
    const run = async (op: Promise<PreparedOp>, out: GpuTensor) => {
      await scope.run([await scope.op(op)], 'residual');
      return scope.read(out);
    };
    const rng = new Rng(seed);
    const a = rng.uniformArray(n, -4, 4);
    const b = rng.uniformArray(n, -4, 4);
    const ta = scope.upload(a, 'a');
    const tb = scope.upload(b, 'b');
    const tout = scope.output(n, 'out');
    const addBound = Float64Array.from(a, (v, i) => residualAddBound(v, scale * b[i]));

    // out = a + scale * b
    const out = await run(prepareResidualAdd(ctx, { a: ta, b: tb, out: tout, scale }), tout);
    expectClose(out, residualAddRef(a, b, scale), addBound);

    // a += scale * b in place (a is overwritten)
    const acc = await run(prepareResidualAccumulate(ctx, { x: ta, b: tb, scale }), ta);
    expectClose(acc, residualAddRef(a, b, scale), addBound);

    // backward: db = scale * dout by axpy with beta = 0, over a dst full of NaN (never read)
    const dout = rng.uniformArray(n);
    const tdout = scope.upload(dout, 'dout');
    const tdb = scope.output(n, 'db');
    const db = await run(prepareResidualAxpy(ctx, { src: tdout, dst: tdb, alpha: scale }), tdb);
    const ref = residualAddBackwardRef(dout, scale);
    expectClose(
      db,
      ref.db,
      Float64Array.from(dout, (v) => axpyBound(scale * v, 0)),
    );

    // axpy with beta != 0: db = 0.75 * dout + beta * db
    const beta = -1.5;
    const both = await run(
      prepareResidualAxpy(ctx, { src: tdout, dst: tdb, alpha: 0.75, beta }),
      tdb,
    );
    expectClose(
      both,
      axpyRef(dout, db, 0.75, beta),
      Float64Array.from(dout, (v, i) => axpyBound(0.75 * v, beta * db[i])),
    );
  });
}

describe('residual kernels vs float64 reference', () => {
  it('add, accumulate and axpy over awkward lengths and depth-µP scales', async () => {
    let seed = 1;
    for (const n of LENGTHS) {
      for (const scale of SCALES) await checkAll(n, scale, seed++);
    }
  });

  it('splits a long array over two grid dimensions past the per-dimension limit', async () => {
    // Same device with the limit lowered to 8: 33 * 256 + 5 elements need a (6, 6) grid.
    const real = gpu();
    const ctx = { ...real, limits: { ...real.limits, maxComputeWorkgroupsPerDimension: 8 } };
    await checkAll(33 * 256 + 5, 0.5, 99, ctx);
  });

  it('rejects bad lengths, bad multipliers and aliased outputs', async () => {
    const ctx = gpu();
    const a = createTensor(ctx, [8], 'f32', 'a');
    const b = createTensor(ctx, [4], 'f32', 'b');
    await expect(prepareResidualAdd(ctx, { a, b, out: b })).rejects.toThrow(
      /b has 4 elements, needs at least 8/,
    );
    await expect(prepareResidualAdd(ctx, { a, b: a, out: a })).rejects.toThrow(
      /out and a share a GPU buffer/,
    );
    await expect(prepareResidualAccumulate(ctx, { x: a, b: a })).rejects.toThrow(
      /dst and src share a GPU buffer/,
    );
    await expect(prepareResidualAxpy(ctx, { src: b, dst: a, alpha: NaN })).rejects.toThrow(
      /alpha must be finite/,
    );
    releaseTensor(ctx, a);
    releaseTensor(ctx, b);
  });
});

describe('residual float64 reference backward vs central finite differences', () => {
  it('da = dout, db = scale * dout for loss = sum(w * (a + scale * b))', () => {
    // The loss is linear: central differences are exact up to float64 rounding.
    const rng = new Rng(3);
    const scale = 1 / Math.sqrt(3);
    const a = Float64Array.from(rng.uniformArray(9));
    const b = Float64Array.from(rng.uniformArray(9));
    const w = Float64Array.from(rng.uniformArray(9));
    const loss = () => dot(w, residualAddRef(a, b, scale));
    const g = residualAddBackwardRef(w, scale);
    expect(maxRelativeDifference(g.da, centralDifferences(loss, a), 1)).toBeLessThan(1e-9);
    expect(maxRelativeDifference(g.db, centralDifferences(loss, b), 1)).toBeLessThan(1e-9);
  });
});
