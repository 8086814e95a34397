/**
 * GPU timing for the benchmarks (bench/) and the variant tuner (src/tune): timestamp queries around a compute pass where the adapter has them,
 * otherwise the wall time from submit to `onSubmittedWorkDone`. Fast ops are encoded several
 * times per sample (`inner`) so that timer resolution and submit overhead do not dominate.
 */
import { BufferUsage, MapMode } from './constants';
import type { GpuContext } from './device';
import { withErrorScopes } from './errors';

export type TimingMethod = 'timestamp-query' | 'onSubmittedWorkDone';

export interface GpuTimer {
  readonly method: TimingMethod;
  /** Milliseconds per encode of `inner` back-to-back encodes of `encode` in one pass. */
  time(
    encode: (pass: GPUComputePassEncoder) => void,
    inner: number,
    label: string,
  ): Promise<number>;
  destroy(): void;
}

export function createTimer(ctx: GpuContext): GpuTimer {
  const { device } = ctx;
  if (!ctx.features.timestampQuery) {
    return {
      method: 'onSubmittedWorkDone',
      async time(encode, inner, label) {
        const t0 = performance.now();
        await withErrorScopes(device, label, () => {
          const encoder = device.createCommandEncoder({ label });
          const pass = encoder.beginComputePass({ label });
          for (let i = 0; i < inner; i++) encode(pass);
          pass.end();
          device.queue.submit([encoder.finish()]);
        });
        await device.queue.onSubmittedWorkDone();
        return (performance.now() - t0) / inner;
      },
      destroy() {},
    };
  }
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2, label: 'gpu timer' });
  const resolve = device.createBuffer({
    size: 16,
    usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC,
    label: 'gpu timer resolve',
  });
  const readback = device.createBuffer({
    size: 16,
    usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    label: 'gpu timer readback',
  });
  return {
    method: 'timestamp-query',
    async time(encode, inner, label) {
      await withErrorScopes(device, label, () => {
        const encoder = device.createCommandEncoder({ label });
        const pass = encoder.beginComputePass({
          label,
          timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
        });
        for (let i = 0; i < inner; i++) encode(pass);
        pass.end();
        encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, readback, 0, 16);
        device.queue.submit([encoder.finish()]);
      });
      await readback.mapAsync(MapMode.READ);
      const [t0, t1] = new BigUint64Array(readback.getMappedRange().slice(0));
      readback.unmap();
      return Math.max(0, Number(t1 - t0)) / 1e6 / inner;
    },
    destroy() {
      querySet.destroy();
      resolve.destroy();
      readback.destroy();
    },
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export interface RepeatPolicy {
  /** Aim for this much measuring per row (all samples of all contenders), in ms. */
  budgetMs: number;
  minReps: number;
  maxReps: number;
  /** Encode an op this many times per sample at most, so each sample lasts >= minSampleMs. */
  minSampleMs: number;
  maxInner: number;
}

export const DEFAULT_POLICY: RepeatPolicy = {
  budgetMs: 5000,
  minReps: 3,
  maxReps: 9,
  minSampleMs: 20,
  maxInner: 256,
};

/** Encodes per sample for an op whose warm-up run took `warmMs`. */
export function innerFor(warmMs: number, policy: RepeatPolicy): number {
  if (!(warmMs > 0)) return policy.maxInner;
  return Math.max(1, Math.min(policy.maxInner, Math.ceil(policy.minSampleMs / warmMs)));
}

/**
 * Samples per contender when one round (one sample of each contender) takes `roundMs`: as many
 * as the budget allows within [minReps, maxReps], but only 2 once a round takes longer than half
 * the budget (the largest shapes on a CPU adapter, where TF.js takes seconds per matmul).
 */
export function repsFor(roundMs: number, policy: RepeatPolicy): number {
  if (roundMs > policy.budgetMs / 2) return 2;
  const fit = Math.floor(policy.budgetMs / Math.max(roundMs, 1e-6));
  return Math.max(policy.minReps, Math.min(policy.maxReps, fit));
}

/** A contender in a row: takes one sample of `inner` runs and returns ms per run. */
export interface Contender {
  name: string;
  sample(inner: number): Promise<number>;
}

export interface Timing {
  /** Median ms per run. */
  ms: number;
  /** Fastest sample: background load only ever slows a sample down. */
  minMs: number;
  samples: number[];
  inner: number;
  warmupMs: number;
}

/**
 * Warms each contender up once (compiles, uploads), then takes samples round-robin so that
 * every contender sees the same background load, and reports medians.
 */
export async function measure(
  contenders: readonly Contender[],
  policy: RepeatPolicy = DEFAULT_POLICY,
): Promise<Timing[]> {
  const warm: number[] = [];
  for (const c of contenders) warm.push(await c.sample(1));
  const inner = warm.map((w) => innerFor(w, policy));
  const round = warm.reduce((sum, w, i) => sum + w * inner[i], 0);
  const reps = repsFor(round, policy);
  const samples: number[][] = contenders.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < contenders.length; i++) {
      samples[i].push(await contenders[i].sample(inner[i]));
    }
  }
  return contenders.map((_, i) => ({
    ms: median(samples[i]),
    minMs: Math.min(...samples[i]),
    samples: samples[i],
    inner: inner[i],
    warmupMs: warm[i],
  }));
}
