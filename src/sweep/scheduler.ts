/**
 * The sweep scheduler: trains every planned run not yet done, stack by stack, reporting each
 * finished run at once so that nothing finished is lost when the page closes or the device is
 * lost. Pause holds before the next step; cancel stops at the next step; an interrupted stack
 * is trained again from its start on resume (training is deterministic per seed, so the
 * result equals an uninterrupted run's).
 */
import type { GpuContext } from '../gpu';
import { trainStack } from '../train/trainer';
import type { SweepConfig } from './config';
import { prepareData, type PreparedData } from './data';
import { baseShapeOf, hpOf, planRuns, runShapeOf, runTraining, stacksOf } from './plan';
import { runId, type RunRecord, type RunSpec } from './types';

export { planRuns } from './plan';

export interface SweepCallbacks {
  /** The runs now in flight (one stack). */
  onRunsStart?(runs: RunSpec[]): void;
  /** Losses read back every few steps. */
  onProgress?(p: Array<{ id: string; step: number; loss: number }>): void;
  /** Each finished (or diverged) run, as soon as its stack is done. */
  onRunDone?(record: RunRecord): void;
  onThroughput?(tokensPerSec: number): void;
}

export interface SweepHandle {
  pause(): void;
  resume(): void;
  cancel(): void;
  readonly paused: boolean;
  /** Resolves when every run is done or the sweep was cancelled; rejects on a failure. */
  readonly finished: Promise<'completed' | 'cancelled'>;
}

class Cancelled extends Error {}

/** Pause/resume/cancel as a checkpoint the training loop awaits before each step. */
class SweepGate {
  paused = false;
  cancelled = false;
  private wake: (() => void) | undefined;

  async checkpoint(): Promise<void> {
    while (this.paused && !this.cancelled) await new Promise<void>((r) => (this.wake = r));
    if (this.cancelled) throw new Cancelled('cancelled');
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  cancel(): void {
    this.cancelled = true;
    this.wake?.();
  }
}

export interface SweepOptions {
  /** Runs already finished (e.g. restored after a reload): they are skipped. */
  done?: RunRecord[];
  callbacks?: SweepCallbacks;
  /** Prepared data, when the caller has it already (else prepared from the config). */
  data?: PreparedData;
  /** The runs to train (default: the sweep's grid, planRuns); e.g. the horizon runs. */
  runs?: RunSpec[];
}

async function trainRuns(
  ctx: GpuContext,
  config: SweepConfig,
  data: PreparedData,
  runs: RunSpec[],
  gate: SweepGate,
  callbacks: SweepCallbacks,
): Promise<RunRecord[]> {
  const base = baseShapeOf(config, data.vocab);
  const shape = runShapeOf(config, runs[0], data.vocab);
  callbacks.onRunsStart?.(runs);
  const result = await trainStack(
    ctx,
    {
      shape,
      base,
      parametrization: runs[0].parametrization,
      hps: runs.map((r) => hpOf(config, r.log2Hp)),
      seed: runs[0].seed,
      ...runTraining(config, runs[0]),
      batch: config.train.batch,
      data,
    },
    {
      checkpoint: () => gate.checkpoint(),
      onProgress: (step, losses) =>
        callbacks.onProgress?.(runs.map((r, k) => ({ id: r.id, step, loss: losses[k] }))),
    },
  );
  callbacks.onThroughput?.(result.tokensPerSec);
  return runs.map((spec, k) => {
    const r = result.runs[k];
    return {
      ...spec,
      finalLoss: r.finalLoss,
      diverged: r.diverged,
      divergedAtStep: r.divergedAtStep,
      losses: r.losses,
      valLoss: r.valLoss,
      tokensPerSec: result.tokensPerSec / runs.length,
      millis: result.millis,
    };
  });
}

export function startSweep(
  ctx: GpuContext,
  config: SweepConfig,
  options: SweepOptions = {},
): SweepHandle {
  const gate = new SweepGate();
  const callbacks = options.callbacks ?? {};
  const done = new Set((options.done ?? []).map((r) => r.id));
  const finished = (async (): Promise<'completed' | 'cancelled'> => {
    const data = options.data ?? prepareData(config.data, config.model.context);
    const todo = (options.runs ?? planRuns(config)).filter((r) => !done.has(r.id));
    try {
      for (const stack of stacksOf(config, todo)) {
        await gate.checkpoint();
        const records = await trainRuns(ctx, config, data, stack, gate, callbacks);
        for (const record of records) callbacks.onRunDone?.(record);
      }
    } catch (e) {
      if (e instanceof Cancelled) return 'cancelled';
      throw e;
    }
    return 'completed';
  })();
  return {
    pause: () => gate.pause(),
    resume: () => gate.resume(),
    cancel: () => gate.cancel(),
    get paused() {
      return gate.paused;
    },
    finished,
  };
}

/** Trains one extra run (e.g. the slider's width with the transferred hyperparameters). */
export async function trainOne(
  ctx: GpuContext,
  config: SweepConfig,
  spec: Omit<RunSpec, 'id'>,
  callbacks: SweepCallbacks = {},
  data = prepareData(config.data, config.model.context),
): Promise<RunRecord> {
  const [record] = await trainRuns(
    ctx,
    config,
    data,
    [{ id: runId(spec), ...spec }],
    new SweepGate(),
    callbacks,
  );
  callbacks.onRunDone?.(record);
  return record;
}
