/** Messages between the page and the GPU worker. The worker owns the device; the page never touches it. */
import type { AdapterSummary, GpuFeatures, GpuLimits } from '../../src/gpu/device';
import type { SelfTestResult } from '../../src/ops/selftest';
import type { DataConfig, SweepConfig } from '../../src/sweep/config';
import type { RunRecord, RunSpec } from '../../src/sweep/types';
import type { CoordRecord } from '../../src/sweep/coord';
import type { GpuBenchResult } from '../../src/benchmark/benchResult';
import type { SweepPart } from '../../src/sweep/session';
import type { TuneRecord } from '../../src/tune/cache';
import type { TuneProgress } from '../../src/tune/tuner';

/** Which runs a sweep message is about: the width × LR grid, or the horizon runs (cosine). */
export type RunPart = SweepPart;

/** One loss read-back of a run in flight. */
export interface RunProgress {
  id: string;
  step: number;
  loss: number;
}

/**
 * What a worker error is about, so the page knows what it ends: a request (its promise rejects),
 * the data it asked for, a sweep or its horizon runs, the kernel tuning (the choices in force
 * stay), or the worker itself (no request to blame).
 */
export type ErrorScope =
  | { kind: 'task'; requestId: number }
  | { kind: 'data'; requestId: number }
  | { kind: 'sweep'; part: RunPart }
  | { kind: 'tune' }
  | { kind: 'worker' };

export type ToWorker =
  | { type: 'init' }
  | { type: 'selftest' }
  /** Tokenise the data of a config (answers data-ready, or an error of scope data with the same requestId). */
  | { type: 'prepare-data'; requestId: number; data: DataConfig; context: number }
  /**
   * Start (or, with done records, continue) a sweep: its grid, or its horizon runs
   * (src/sweep/horizon.ts planHorizonRuns). Re-acquires the device if it was lost.
   */
  | { type: 'start-sweep'; config: SweepConfig; done: RunRecord[]; part: RunPart }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'cancel' }
  /** Train one extra run, e.g. a target width with transferred hyperparameters. */
  | { type: 'train-one'; requestId: number; config: SweepConfig; spec: Omit<RunSpec, 'id'> }
  /**
   * Verify transfer at a target width (src/sweep/verify.ts planVerify): train these runs like a
   * sweep's, one stack at a time; answers verify-run-done per run, then verify-done.
   */
  | { type: 'verify'; requestId: number; config: SweepConfig; runs: RunSpec[] }
  /** Stop the verification after the stack in flight (verify-done says 'cancelled'). */
  | { type: 'verify-cancel' }
  /** Activation size per layer against width over the first steps. */
  | {
      type: 'coord-check';
      requestId: number;
      config: SweepConfig;
      widths: number[];
      /** Check across these depths at widths[0] instead of across widths. */
      depths?: number[];
      steps: number;
      seed?: number;
    }
  /** Time the kernel variants again on the config's shapes, replacing the adapter's cached choice. */
  | { type: 'retune'; config: SweepConfig }
  /** "Benchmark this GPU" (answers gpu-bench-done, or an error of scope task with the same requestId). */
  | {
      type: 'gpu-bench';
      requestId: number;
      matmulSizes: number[];
      trainWidths: number[];
      trainSteps: number;
    }
  | { type: 'gpu-bench-cancel' }
  /** Test hook: destroy the device as if the driver had reset. */
  | { type: 'debug-lose-device' };

export type FromWorker =
  | { type: 'ready'; adapter: AdapterSummary; features: GpuFeatures; limits: GpuLimits }
  | { type: 'unavailable'; reason: 'no-api' | 'no-adapter' | 'no-device'; message: string }
  | { type: 'selftest-result'; result: SelfTestResult }
  | { type: 'selftest-done'; results: SelfTestResult[] }
  | { type: 'device-lost'; message: string }
  | { type: 'tune-progress'; progress: TuneProgress }
  /** The kernel choices in force: from the cache (nothing timed) or just timed. */
  | { type: 'tune-done'; record: TuneRecord; fromCache: boolean }
  /** The one error channel: every failure the worker reports, with what it is about. */
  | { type: 'error'; scope: ErrorScope; message: string }
  | {
      type: 'data-ready';
      requestId: number;
      vocab: number;
      tokens: number;
      description: string;
    }
  | { type: 'runs-start'; runs: RunSpec[] }
  | { type: 'progress'; progress: RunProgress[] }
  | { type: 'run-done'; record: RunRecord; part: RunPart }
  | { type: 'throughput'; tokensPerSec: number }
  /** After a pause: the steps that were queued have finished, nothing more runs. */
  | { type: 'paused' }
  | { type: 'sweep-finished'; outcome: 'completed' | 'cancelled'; part: RunPart }
  | { type: 'train-one-progress'; requestId: number; progress: RunProgress[] }
  | { type: 'train-one-done'; requestId: number; record: RunRecord }
  | { type: 'verify-run-done'; requestId: number; record: RunRecord }
  | { type: 'verify-done'; requestId: number; outcome: 'completed' | 'cancelled' }
  | { type: 'coord-done'; requestId: number; records: CoordRecord[] }
  | { type: 'gpu-bench-progress'; requestId: number; done: number; total: number; label: string }
  | { type: 'gpu-bench-done'; requestId: number; result: GpuBenchResult };
