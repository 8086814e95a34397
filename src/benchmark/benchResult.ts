/**
 * What "Benchmark this GPU" measured (src/benchmark/gpuBench.ts runs it in the GPU worker), and
 * its step rates for the cost estimate: data only, so the page reads it without the engine.
 */
import type { AdapterSummary, GpuFeatures } from '../gpu/device';

export const GPU_BENCH_FORMAT = 'mup-lab/gpu-bench';

export interface GpuBenchResult {
  format: typeof GPU_BENCH_FORMAT;
  version: 1;
  adapter: string;
  adapterInfo: AdapterSummary;
  features: GpuFeatures;
  timing: string;
  at: string;
  matmul: Array<{ size: number; ms: number; gflops: number; variant: string }>;
  train: Array<{
    width: number;
    steps: number;
    batch: number;
    context: number;
    tokensPerSec: number;
    /** Training FLOP/s, 6 x parameters x tokens/s. */
    flopsPerSec: number;
    /**
     * Wall-clock seconds of a run besides its training loop (model set-up, validation), at the
     * first (smallest) width only, timed on a second run so that pipeline compilation is not in it.
     */
    runSeconds?: number;
  }>;
}

/**
 * The benchmark's training measurements as step rates: the wall time of one step and the
 * training FLOPs of that step, per width it trained. The page's cost estimate
 * (app/lib/estimate.ts) interpolates between them, the same way for the form and the panel.
 */
export function benchStepRates(
  result: Pick<GpuBenchResult, 'train'>,
): Array<{ flopsPerStep: number; secondsPerStep: number; runSeconds?: number }> {
  return result.train
    .filter((t) => t.tokensPerSec > 0)
    .map((t) => {
      const secondsPerStep = (t.batch * t.context) / t.tokensPerSec;
      const rate = { flopsPerStep: t.flopsPerSec * secondsPerStep, secondsPerStep };
      return t.runSeconds === undefined ? rate : { ...rate, runSeconds: t.runSeconds };
    });
}
