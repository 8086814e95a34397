import { describe, expect, it } from 'vitest';
import newtonSchulzWgsl from '../../kernels/newton_schulz.wgsl?raw';
import { readTensor, releaseTensor, runOps, uploadTensor, createTensor } from '../gpu';
import {
  newtonSchulzRef,
  nsNormalizeRef,
  nsStepRef,
  NS_COEFFICIENTS,
} from '../reference/newtonSchulz';
import { Rng } from '../util/random';
import { compareWithin, useGpu } from '../../test/gpu';
import { nsNormalizeRelBound, nsPropagatedBound, nsStepGain } from './errorBounds';
import { runSelfTests } from './selftest';
import { NS_ALIGN, prepareNewtonSchulz, type NewtonSchulzBatch } from './newtonSchulz';

const gpu = useGpu();
const CHUNK = 256;

/** Batches of awkward shapes (wide, tall, square, vectors), each at an aligned offset. */
function layout(shapes: readonly [number, number, number][]): {
  batches: NewtonSchulzBatch[];
  length: number;
} {
  const batches: NewtonSchulzBatch[] = [];
  let offset = 0;
  for (const [batch, rows, cols] of shapes) {
    batches.push({ offset, batch, rows, cols });
    offset = Math.ceil((offset + batch * rows * cols) / NS_ALIGN) * NS_ALIGN;
  }
  return { batches, length: offset };
}

/** The GPU's X_k for k = 0..steps (each from a run of `k` steps: the same arithmetic). */
async function iterates(g: Float32Array, batches: NewtonSchulzBatch[], steps: number) {
  const ctx = gpu();
  const input = uploadTensor(ctx, g, [g.length], 'G');
  const output = createTensor(ctx, [g.length], 'f32', 'X');
  const out: Float32Array[] = [];
  try {
    for (let k = 0; k <= steps; k++) {
      const op = await prepareNewtonSchulz(ctx, {
        input,
        output,
        batches,
        steps: k,
        chunkSize: CHUNK,
      });
      await runOps(ctx, [op]);
      out.push(await readTensor(ctx, output));
      op.release();
    }
  } finally {
    releaseTensor(ctx, input);
    releaseTensor(ctx, output);
  }
  return out;
}

const matricesOf = (batches: NewtonSchulzBatch[]) =>
  batches.flatMap((b) =>
    Array.from({ length: b.batch }, (_, j) => ({
      start: b.offset + j * b.rows * b.cols,
      rows: b.rows,
      cols: b.cols,
    })),
  );

const frob = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));

describe('newton-schulz vs float64 reference', () => {
  // Wide, tall and square, sides 1, 7, 33 and 127, in batches of one to three matrices.
  const { batches, length } = layout([
    [2, 1, 7],
    [1, 7, 1],
    [3, 7, 33],
    [2, 33, 7],
    [1, 33, 33],
    [1, 127, 33],
    [1, 33, 127],
    [1, 1, 1],
  ]);
  const steps = 5;

  it('normalizes, then each step is within its derived bound, and so is the whole iteration', async () => {
    const g = new Rng(7).normalArray(length, 0.3);
    const xs = await iterates(g, batches, steps);
    const gain = nsStepGain(NS_COEFFICIENTS);
    const worst = { normalize: 0, step: 0, whole: 0 };
    for (const m of matricesOf(batches)) {
      const size = m.rows * m.cols;
      const slice = (x: ArrayLike<number>) => Array.from(x).slice(m.start, m.start + size);
      const name = `${m.rows}x${m.cols} at ${m.start}`;
      // X0: the normalization's relative bound, elementwise.
      const want0 = nsNormalizeRef(slice(g));
      const rel0 = nsNormalizeRelBound(CHUNK, Math.ceil(size / CHUNK));
      const bound0 = want0.map((v) => rel0 * Math.abs(v) + 1e-30);
      const r0 = compareWithin(slice(xs[0]), want0, bound0);
      expect(r0.worstRatio, `${name} normalize`).toBeLessThanOrEqual(1);
      worst.normalize = Math.max(worst.normalize, r0.worstRatio);
      const stepBounds = [frob(bound0)];
      // Step k from the GPU's own X_{k-1}: the step's rounding bound (+1% for second order).
      for (let k = 1; k <= steps; k++) {
        const ref = nsStepRef(slice(xs[k - 1]), m.rows, m.cols);
        const bound = ref.bound.map((b) => 1.01 * b);
        const r = compareWithin(slice(xs[k]), ref.out, bound);
        expect(r.worstRatio, `${name} step ${k} (max err ${r.maxAbs})`).toBeLessThanOrEqual(1);
        stepBounds.push(frob(bound));
        worst.step = Math.max(worst.step, r.worstRatio);
      }
      // The whole iteration against float64 from G: the steps' bounds propagated.
      const want = newtonSchulzRef(slice(g), m.rows, m.cols, steps);
      const got = slice(xs[steps]);
      const err = frob(got.map((v, i) => v - want[i]));
      const whole = nsPropagatedBound(stepBounds, gain);
      expect(err, name).toBeLessThanOrEqual(whole);
      worst.whole = Math.max(worst.whole, err / whole);
      // And the result is orthogonal-ish: Keller Jordan's iteration leaves singular values in
      // [0.68, 1.21] (p maps [0, 1.21] into itself; 1 goes to 0.70), so ‖X‖_F² / min(rows, cols)
      // lies in [0.45, 1.46] for a full-rank G.
      const meanSq = frob(got) ** 2 / Math.min(m.rows, m.cols);
      expect(meanSq, name).toBeGreaterThan(0.45);
      expect(meanSq, name).toBeLessThan(1.46);
    }
    console.log(
      `worst error / bound: normalize ${worst.normalize.toFixed(3)}, step ${worst.step.toFixed(3)}, ` +
        `whole iteration ${worst.whole.toExponential(2)}`,
    );
  });

  it('maps a matrix and its transpose to transposes, and a zero matrix to zero', async () => {
    const { batches: bs, length: n } = layout([
      [1, 33, 7],
      [1, 7, 33],
      [1, 5, 9],
    ]);
    const rng = new Rng(3);
    const a = rng.normalArray(33 * 7, 1);
    const g = new Float32Array(n);
    g.set(a, bs[0].offset);
    for (let i = 0; i < 33; i++)
      for (let j = 0; j < 7; j++) g[bs[1].offset + j * 33 + i] = a[i * 7 + j];
    const [, , , , , x] = await iterates(g, bs, 5);
    let worst = 0;
    for (let i = 0; i < 33; i++) {
      for (let j = 0; j < 7; j++) {
        worst = Math.max(
          worst,
          Math.abs(x[bs[0].offset + i * 7 + j] - x[bs[1].offset + j * 33 + i]),
        );
      }
    }
    expect(worst).toBeLessThan(1e-4);
    for (let i = 0; i < 45; i++) expect(x[bs[2].offset + i]).toBe(0);
  });

  it('rejects a misaligned batch and overlapping batches', async () => {
    const ctx = gpu();
    const t = createTensor(ctx, [256], 'f32', 'x');
    const o = createTensor(ctx, [256], 'f32', 'o');
    try {
      await expect(
        prepareNewtonSchulz(ctx, {
          input: t,
          output: o,
          batches: [{ offset: 3, batch: 1, rows: 2, cols: 2 }],
        }),
      ).rejects.toThrow(/offset 3/);
      await expect(
        prepareNewtonSchulz(ctx, {
          input: t,
          output: o,
          batches: [
            { offset: 0, batch: 2, rows: 8, cols: 8 },
            { offset: 64, batch: 1, rows: 8, cols: 8 },
          ],
        }),
      ).rejects.toThrow(/overlap/);
    } finally {
      releaseTensor(ctx, t);
      releaseTensor(ctx, o);
    }
  });

  it('its self-test passes, and fails a kernel whose a is off by 1e-4 relative', async () => {
    const [good] = await runSelfTests(gpu(), undefined, { kernels: ['newton_schulz'] });
    expect(good.passed, good.detail).toBe(true);
    const broken = newtonSchulzWgsl.replace('v = v + p.a;', 'v = v + p.a * 1.0001;');
    expect(broken).not.toBe(newtonSchulzWgsl);
    const [bad] = await runSelfTests(gpu(), undefined, {
      kernels: ['newton_schulz'],
      overrides: [{ name: 'newton_schulz', code: broken }],
    });
    expect(bad.passed).toBe(false);
    expect(bad.worstRatio).toBeGreaterThan(1);
  });
});
