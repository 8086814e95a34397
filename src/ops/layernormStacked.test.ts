/**
 * Stacked layernorm: one op over K runs' rows (each run's own gain and bias at a stride, dgain
 * and dbias interleaved in one gradient buffer as in the model's layout) against one op per run
 * on copies of that run's data. Same sums in the same order, so the results must agree bit for
 * bit, every variant; and the stacked results against the float64 reference per run with the
 * bounds of src/ops/layernorm.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { readTensor, runOps, viewOf, type PreparedOp } from '../gpu';
import { Rng } from '../util/random';
import { TensorScope, useGpu } from '../../test/gpu';
import {
  LAYERNORM_VARIANTS,
  prepareLayerNormBackward,
  prepareLayerNormForward,
  type LayerNormVariant,
} from './layernorm';
import { layerNormBoundFactors } from './errorBounds';
import { subgroupLanes } from './subgroups';
import { Worst } from './selftest/common';
import { addForwardRatios, offsetRows } from './selftest/layernorm';

const gpu = useGpu();

/** Floats per 256 bytes: per-run tensors in one buffer start at such offsets (layout.ts). */
const ALIGN = 64;
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** One run's (or all runs') outputs, read back. */
interface Outputs {
  y: Float32Array;
  mean: Float32Array;
  rstd: Float32Array;
  dx: Float32Array;
  dgain: Float32Array;
  dbias: Float32Array;
}

interface Case {
  runs: number;
  rowsPerRun: number;
  width: number;
  variant: LayerNormVariant;
  seed: number;
  /** Accumulate (dxBeta = paramBeta = 1) into random old gradients. */
  accumulate: boolean;
}

/**
 * Parameters of run k sit at k * stride in a buffer laid out as the model's: [gain | bias] per
 * run, each at a 64-float boundary, so dgain and dbias are interleaved views of one buffer.
 */
async function runCase(c: Case): Promise<{ stacked: Outputs; perRun: Outputs[]; data: Data }> {
  const ctx = gpu();
  const { runs, rowsPerRun, width } = c;
  const rows = runs * rowsPerRun;
  const biasAt = alignUp(width);
  const stride = 2 * biasAt;
  const rng = new Rng(c.seed);
  const data = makeData(rng, rows, width, runs, stride, biasAt);
  const beta = c.accumulate ? 1 : 0;
  const t = new TensorScope(ctx);
  const ops: PreparedOp[] = [];
  const reads: Array<() => Promise<void>> = [];

  // Stacked: one forward, one backward over all runs.
  const params = t.up(data.params, 'params');
  const grads = t.up(data.grads0, 'grads');
  const paramLength = (runs - 1) * stride + width;
  const gain = viewOf(params, 0, [paramLength]);
  const bias = viewOf(params, biasAt, [paramLength]);
  const x = t.up(data.x, 'x');
  const y = t.empty(rows * width, 'y');
  const mean = t.empty(rows, 'mean');
  const rstd = t.empty(rows, 'rstd');
  const dx = t.up(data.dx0, 'dx');
  const stackedArgs = { rows, width, runs, paramStride: stride, variant: c.variant };
  ops.push(
    await prepareLayerNormForward(ctx, { ...stackedArgs, x, gain, bias, y, mean, rstd }),
    await prepareLayerNormBackward(ctx, {
      ...stackedArgs,
      x,
      gain,
      mean,
      rstd,
      dy: t.up(data.dy, 'dy'),
      dx,
      dgain: viewOf(grads, 0, [paramLength]),
      dbias: viewOf(grads, biasAt, [paramLength]),
      dxBeta: beta,
      paramBeta: beta,
    }),
  );
  const stacked = {} as Outputs;
  reads.push(async () => {
    const g = await readTensor(ctx, grads);
    Object.assign(stacked, {
      y: await readTensor(ctx, y),
      mean: await readTensor(ctx, mean),
      rstd: await readTensor(ctx, rstd),
      dx: await readTensor(ctx, dx),
      dgain: g,
      dbias: g,
    });
  });

  // One op per run, on copies of its rows and parameters in buffers of their own.
  const perRun: Outputs[] = [];
  for (let k = 0; k < runs; k++) {
    const rowSlice = (a: Float32Array) =>
      a.slice(k * rowsPerRun * width, (k + 1) * rowsPerRun * width);
    const paramSlice = (a: Float32Array, at: number) =>
      a.slice(k * stride + at, k * stride + at + width);
    const args = { rows: rowsPerRun, width, variant: c.variant };
    const kx = t.up(rowSlice(data.x), `x${k}`);
    const kgain = t.up(paramSlice(data.params, 0), `gain${k}`);
    const ky = t.empty(rowsPerRun * width, `y${k}`);
    const kmean = t.empty(rowsPerRun, `mean${k}`);
    const krstd = t.empty(rowsPerRun, `rstd${k}`);
    const kdx = t.up(rowSlice(data.dx0), `dx${k}`);
    const kdgain = t.up(paramSlice(data.grads0, 0), `dgain${k}`);
    const kdbias = t.up(paramSlice(data.grads0, biasAt), `dbias${k}`);
    const common = { ...args, x: kx, gain: kgain, mean: kmean, rstd: krstd };
    ops.push(
      await prepareLayerNormForward(ctx, {
        ...common,
        bias: t.up(paramSlice(data.params, biasAt), `bias${k}`),
        y: ky,
      }),
      await prepareLayerNormBackward(ctx, {
        ...common,
        dy: t.up(rowSlice(data.dy), `dy${k}`),
        dx: kdx,
        dgain: kdgain,
        dbias: kdbias,
        dxBeta: beta,
        paramBeta: beta,
      }),
    );
    reads.push(async () => {
      perRun[k] = {
        y: await readTensor(ctx, ky),
        mean: await readTensor(ctx, kmean),
        rstd: await readTensor(ctx, krstd),
        dx: await readTensor(ctx, kdx),
        dgain: await readTensor(ctx, kdgain),
        dbias: await readTensor(ctx, kdbias),
      };
    });
  }
  try {
    await runOps(ctx, ops);
    for (const read of reads) await read();
  } finally {
    for (const op of ops) op.release();
    t.release();
  }
  return { stacked, perRun, data };
}

interface Data {
  x: Float32Array;
  dy: Float32Array;
  dx0: Float32Array;
  params: Float32Array;
  grads0: Float32Array;
  stride: number;
  biasAt: number;
}

function makeData(
  rng: Rng,
  rows: number,
  width: number,
  runs: number,
  stride: number,
  biasAt: number,
): Data {
  const x = offsetRows(rng, rows, width);
  // Padding between tensors stays NaN: a read past a run's gain or a write into it shows.
  const params = new Float32Array(runs * stride).fill(NaN);
  const grads0 = new Float32Array(runs * stride).fill(NaN);
  for (let k = 0; k < runs; k++) {
    params.set(rng.uniformArray(width, -2, 2), k * stride);
    params.set(rng.uniformArray(width), k * stride + biasAt);
    grads0.set(rng.uniformArray(width), k * stride);
    grads0.set(rng.uniformArray(width), k * stride + biasAt);
  }
  return {
    x,
    dy: rng.uniformArray(rows * width),
    dx0: rng.uniformArray(rows * width),
    params,
    grads0,
    stride,
    biasAt,
  };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe.each(LAYERNORM_VARIANTS)('stacked layernorm (%s)', (variant) => {
  it('equals one op per run bit for bit: rows per run 1, 7, 33, 127, widths 1, 7, 33, 127, K = 1, 2, 3', async () => {
    let seed = 1;
    for (const rowsPerRun of [1, 7, 33, 127]) {
      for (const width of [1, 7, 33, 127]) {
        // 'workgroup' (a barrier per tree level: slow on SwiftShader) takes K = 1, 2, 3 in turn.
        const stacks = variant === 'workgroup' ? [1 + (seed % 3)] : [1, 2, 3];
        for (const runs of stacks) {
          const c = { runs, rowsPerRun, width, variant, seed, accumulate: seed % 2 === 0 };
          seed++;
          const { stacked, perRun, data } = await runCase(c);
          const what = `K=${runs} ${rowsPerRun}x${width}`;
          for (let k = 0; k < runs; k++) {
            const rowsK = (a: Float32Array, cols: number) =>
              bits(a.subarray(k * rowsPerRun * cols, (k + 1) * rowsPerRun * cols));
            const at = (a: Float32Array, off: number) =>
              bits(a.subarray(k * data.stride + off, k * data.stride + off + width));
            expect(rowsK(stacked.y, width), `${what} y run ${k}`).toEqual(bits(perRun[k].y));
            expect(rowsK(stacked.mean, 1), `${what} mean ${k}`).toEqual(bits(perRun[k].mean));
            expect(rowsK(stacked.rstd, 1), `${what} rstd ${k}`).toEqual(bits(perRun[k].rstd));
            expect(rowsK(stacked.dx, width), `${what} dx ${k}`).toEqual(bits(perRun[k].dx));
            expect(at(stacked.dgain, 0), `${what} dgain ${k}`).toEqual(bits(perRun[k].dgain));
            expect(at(stacked.dbias, data.biasAt), `${what} dbias ${k}`).toEqual(
              bits(perRun[k].dbias),
            );
          }
          // The padding between the runs' gradients is never written.
          const padding = Array.from(stacked.dgain).filter((v, i) => {
            const o = i % data.stride;
            return !(o < width || (o >= data.biasAt && o < data.biasAt + width));
          });
          expect(padding.every(Number.isNaN), `${what} padding`).toBe(true);
        }
      }
    }
  });

  it('matches the float64 reference per run (3 runs of 130 rows, width 33; y, mean, rstd)', async () => {
    const ctx = gpu();
    const [runs, rowsPerRun, width] = [3, 130, 33];
    const { stacked, data } = await runCase({
      runs,
      rowsPerRun,
      width,
      variant,
      seed: 77,
      accumulate: false,
    });
    const worst = new Worst();
    addForwardRatios(
      worst,
      stacked,
      {
        x: data.x,
        gain: data.params,
        bias: data.params.subarray(data.biasAt),
        rows: rowsPerRun,
        width,
        runs,
        paramStride: data.stride,
      },
      layerNormBoundFactors(variant, width, rowsPerRun, subgroupLanes(ctx.features)).y,
    );
    expect(worst.ratio, worst.part).toBeLessThanOrEqual(1);
  });
});
