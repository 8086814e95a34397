import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { benchStepRates } from './benchResult';
import { benchmarkGpu, GpuBenchCancelled } from './gpuBench';

const gpu = useGpu();

describe('benchmarkGpu', () => {
  it('measures matmul GFLOP/s and training tokens/s, with progress', async () => {
    const progress: string[] = [];
    const r = await benchmarkGpu(gpu(), {
      matmulSizes: [64],
      trainWidths: [16],
      trainSteps: 2,
      onProgress: (done, total, label) => progress.push(`${done}/${total} ${label}`),
    });
    expect(progress).toEqual(['0/2 matmul 64³', '1/2 training at width 16', '2/2 done']);
    expect(r.adapterInfo).toEqual(gpu().adapter);
    expect(r.matmul).toHaveLength(1);
    expect(r.matmul[0].gflops).toBeCloseTo((2 * 64 ** 3) / (r.matmul[0].ms * 1e6), 9);
    expect(r.matmul[0].gflops).toBeGreaterThan(0);
    expect(r.train[0]).toMatchObject({ width: 16, steps: 2 });
    expect(r.train[0].tokensPerSec).toBeGreaterThan(0);
    expect(r.train[0].flopsPerSec).toBeGreaterThan(r.train[0].tokensPerSec);
    // One step rate per trained width: batch × context tokens a step, 6 · N FLOPs a token.
    // The first (smallest) width also measures a run's time besides its loop.
    expect(r.train[0].runSeconds).toBeGreaterThanOrEqual(0);
    const [rate] = benchStepRates(r);
    expect(rate.runSeconds).toBe(r.train[0].runSeconds);
    const t = r.train[0];
    expect(rate.secondsPerStep).toBeCloseTo((t.batch * t.context) / t.tokensPerSec, 12);
    expect(rate.flopsPerStep).toBeCloseTo(
      (t.flopsPerSec / t.tokensPerSec) * t.batch * t.context,
      3,
    );
  });

  it('stops before the next measurement once cancelled', async () => {
    const abort = new AbortController();
    const run = benchmarkGpu(gpu(), {
      matmulSizes: [64, 128],
      trainWidths: [16],
      signal: abort.signal,
      onProgress: (done) => done === 1 && abort.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(GpuBenchCancelled);
  });
});
