/**
 * "Benchmark this GPU": matmul GFLOP/s at n^3 (default 1024 and 2048), training tokens/s of the
 * lab's GPT at a few widths (a short run through the sweep's own trainer, so the figure is what a
 * sweep gets), and from those the time each preset would take on this adapter. Progress after
 * every measurement; cancelling stops before the next one.
 */
import { adapterLabel, createTensor, releaseTensor, type GpuContext } from '../gpu';
import { createTimer, median } from '../gpu/timing';
import { parameterCount } from '../mup/shapes';
import { chooseMatmulVariant, prepareMatmul } from '../ops/matmul';
import { preset, shapeFor, type SweepConfig } from '../sweep/config';
import { prepareData } from '../sweep/data';
import { trainOne } from '../sweep/scheduler';
import { GPU_BENCH_FORMAT, type GpuBenchResult } from './benchResult';

export interface GpuBenchOptions {
  matmulSizes?: number[];
  trainWidths?: number[];
  /** Steps of each training run (the first includes warm-up costs). Default 4. */
  trainSteps?: number;
  /** Timed runs per matmul after one warm-up: as many as fit in this many ms, 1 to 5. Default 2000. */
  matmulBudgetMs?: number;
  onProgress?: (done: number, total: number, label: string) => void;
  signal?: AbortSignal;
}

/** The training run's config: the Quick preset's model at one width, one LR, a few steps. */
export function gpuBenchTrainConfig(width: number, steps: number): SweepConfig {
  const q = preset('quick');
  return {
    ...q,
    widths: [width],
    baseWidth: width,
    parametrizations: ['mup'],
    sweep: { ...q.sweep, log2Min: -8, log2Max: -8 },
    train: { ...q.train, steps, seeds: [0], stack: 1 },
  };
}

export class GpuBenchCancelled extends Error {
  constructor() {
    super('GPU benchmark cancelled');
  }
}

export async function benchmarkGpu(
  ctx: GpuContext,
  opts: GpuBenchOptions = {},
): Promise<GpuBenchResult> {
  const sizes = opts.matmulSizes ?? [1024, 2048];
  const widths = opts.trainWidths ?? [128, 512];
  const steps = opts.trainSteps ?? 4;
  const total = sizes.length + widths.length;
  let done = 0;
  const step = (label: string) => {
    if (opts.signal?.aborted) throw new GpuBenchCancelled();
    opts.onProgress?.(done, total, label);
  };
  const timer = createTimer(ctx);
  const result: GpuBenchResult = {
    format: GPU_BENCH_FORMAT,
    version: 1,
    adapter: adapterLabel(ctx.adapter),
    adapterInfo: { ...ctx.adapter },
    features: { ...ctx.features },
    timing: timer.method,
    at: new Date().toISOString(),
    matmul: [],
    train: [],
  };
  try {
    for (const n of sizes) {
      step(`matmul ${n}³`);
      const t = [0, 1, 2].map((i) => createTensor(ctx, [n * n], 'f32', `gpu bench ${'abc'[i]}`));
      const op = await prepareMatmul(ctx, { a: t[0], b: t[1], c: t[2], m: n, k: n, n });
      try {
        const encode = (pass: GPUComputePassEncoder) => op.encode(pass);
        const warm = await timer.time(encode, 1, op.label);
        // Pipelines compile in prepareMatmul: the warm-up run is a fair sample, and the only one
        // when it alone exceeds the budget (2048³ on a CPU adapter: ~10 s).
        const budget = opts.matmulBudgetMs ?? 2000;
        const samples = warm >= budget ? 0 : Math.min(5, Math.round(budget / warm));
        const times: number[] = samples === 0 ? [warm] : [];
        for (let i = 0; i < samples; i++) {
          if (opts.signal?.aborted) throw new GpuBenchCancelled();
          times.push(await timer.time(encode, 1, op.label));
        }
        const ms = median(times);
        const variant = chooseMatmulVariant(
          ctx.adapter,
          { m: n, k: n, n, batch: 1, subgroups: ctx.features.subgroups },
          ctx.tuned,
        );
        result.matmul.push({ size: n, ms, gflops: (2 * n ** 3) / (ms * 1e6), variant });
      } finally {
        op.release();
        t.forEach((x) => releaseTensor(ctx, x));
      }
      done++;
    }
    for (const width of widths) {
      step(`training at width ${width}`);
      const config = gpuBenchTrainConfig(width, steps);
      const data = prepareData(config.data, config.model.context);
      const spec = { parametrization: 'mup' as const, width, depth: config.model.depth, seed: 0 };
      const timed = async () => {
        const start = performance.now();
        const record = await trainOne(ctx, config, { ...spec, log2Hp: -8 }, {}, data);
        return { record, seconds: (performance.now() - start) / 1000 };
      };
      let { record, seconds } = await timed();
      let runSeconds: number | undefined;
      if (width === widths[0]) {
        // Again, compiled: what a run costs besides its steps on a small model (most of its time).
        if (opts.signal?.aborted) throw new GpuBenchCancelled();
        ({ record, seconds } = await timed());
        runSeconds = Math.max(0, seconds - record.millis / 1000);
      }
      const params = parameterCount(shapeFor(config, width, config.model.depth, data.vocab));
      result.train.push({
        width,
        steps,
        batch: config.train.batch,
        context: config.model.context,
        tokensPerSec: record.tokensPerSec,
        flopsPerSec: 6 * params * record.tokensPerSec,
        ...(runSeconds === undefined ? {} : { runSeconds }),
      });
      done++;
    }
  } finally {
    timer.destroy();
  }
  opts.onProgress?.(done, total, 'done');
  return result;
}
