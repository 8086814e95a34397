/**
 * One sweep session, as the page's GPU worker and the CLI both run it: the kernel tuning (the
 * adapter's cached choices, or the variants timed on the sweep's shapes), then the grid of runs,
 * then the horizon runs (each length with its own cosine schedule). The worker runs the parts
 * one message at a time (the user starts the horizon runs); the CLI runs them in a row.
 */
import type { GpuContext } from '../gpu';
import {
  ensureTuned,
  retune,
  tunedContext,
  type EnsureTunedOptions,
  type Tuned,
  type TuneStore,
} from '../tune/cache';
import type { SweepConfig } from './config';
import type { PreparedData } from './data';
import { planHorizonRuns } from './horizon';
import {
  planRuns,
  startSweep,
  type SweepCallbacks,
  type SweepHandle,
  type SweepOptions,
} from './scheduler';
import { sweepKernelProblems } from './tuning';
import type { RunRecord, RunSpec } from './types';

/** Which runs a part of a session trains: the width × LR grid, or the horizon runs. */
export type SweepPart = 'grid' | 'horizon';

export interface SessionTuning extends Pick<EnsureTunedOptions, 'onProgress'> {
  store: TuneStore;
  /** Time the variants again even when the adapter has a cached choice. */
  force: boolean;
  /** One line for the user: a cache entry ignored, or the tuning failed. */
  onMessage: (line: string) => void;
}

/**
 * The adapter's cached kernel choices, or the variants timed on the sweep's shapes and cached;
 * `tunedContext(ctx, tuned.record)` is the context that runs them. A failure is said and leaves
 * the thresholds (or the context's own choices) in force: a sweep never stops because its kernels
 * could not be tuned.
 */
export async function tuneForSweep(
  ctx: GpuContext,
  config: SweepConfig,
  vocab: number,
  tuning: SessionTuning,
): Promise<Tuned | undefined> {
  const { store, force, onMessage, onProgress } = tuning;
  try {
    const problems = sweepKernelProblems(ctx.features, config, vocab);
    return await (force ? retune : ensureTuned)(ctx, store, problems, { onMessage, onProgress });
  } catch (e) {
    onMessage(
      `Kernel tuning failed, the default choices stay: ${e instanceof Error ? e.message : String(e)}`,
    );
    return undefined;
  }
}

/** The runs of a part: the grid's are planned by the scheduler (undefined), the horizon's here. */
export function partRuns(config: SweepConfig, part: SweepPart): RunSpec[] {
  return part === 'grid' ? planRuns(config) : planHorizonRuns(config);
}

/** Starts one part of the session (pausable, cancellable; finished runs in `done` are skipped). */
export function startPart(
  ctx: GpuContext,
  config: SweepConfig,
  part: SweepPart,
  options: Omit<SweepOptions, 'runs'>,
): SweepHandle {
  return startSweep(ctx, config, { ...options, runs: partRuns(config, part) });
}

export interface SessionOptions {
  data: PreparedData;
  /** Tune first (undefined: the choices `ctx` carries, else the thresholds). */
  tuning?: SessionTuning;
  /** Train the horizon runs after the grid. */
  horizons: boolean;
  /** Before each part that has runs: its run count. */
  onPartStart?: (part: SweepPart, total: number) => void;
  /** Each finished run, with how many of its part are done. */
  onRunDone?: (record: RunRecord, part: SweepPart, done: number, total: number) => void;
  /** After the grid, before the horizon runs: its records (e.g. to report its analysis first). */
  onGridDone?: (records: RunRecord[]) => void;
  callbacks?: Omit<SweepCallbacks, 'onRunDone'>;
}

/** tune → grid → horizons, in a row: the grid's records and the horizon runs' records. */
export async function runSession(
  ctx: GpuContext,
  config: SweepConfig,
  options: SessionOptions,
): Promise<{ records: RunRecord[]; horizonRuns: RunRecord[] }> {
  const { data } = options;
  const tuned = options.tuning && (await tuneForSweep(ctx, config, data.vocab, options.tuning));
  const runCtx = tuned ? tunedContext(ctx, tuned.record) : ctx;
  const trained: Record<SweepPart, RunRecord[]> = { grid: [], horizon: [] };
  const parts: SweepPart[] = options.horizons ? ['grid', 'horizon'] : ['grid'];
  for (const part of parts) {
    const total = partRuns(config, part).length;
    if (total === 0) continue;
    options.onPartStart?.(part, total);
    const done = trained[part];
    await startPart(runCtx, config, part, {
      data,
      callbacks: {
        ...options.callbacks,
        onRunDone: (r) => options.onRunDone?.(r, part, done.push(r), total),
      },
    }).finished;
    if (part === 'grid') options.onGridDone?.(done);
  }
  return { records: trained.grid, horizonRuns: trained.horizon };
}
