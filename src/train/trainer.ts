/**
 * The training loop: one or several stacked runs of one shape, the run's optimizer (AdamW by
 * default) with µP's per-tensor values, one queue submission per step. Each step's per-run loss is copied on the GPU into a
 * loss history; the history and the optimizer's non-finite counters are read back
 * asynchronously every few steps, so the GPU never waits for the CPU. A run whose loss turns
 * non-finite or exceeds the divergence bound, or whose gradients turn non-finite, is marked
 * diverged at that step; the stack stops once every run has diverged.
 */
import { BufferUsage, MapMode, type DeviceLostError, type GpuContext } from '../gpu';
import { BatchSampler, allocateBatch, evalBatches } from '../data/batches';
import type { GptGpu } from '../model/gpt';
import { decodeGroupStats } from '../ops/reduce';
import { divergenceBound, isDiverged } from './divergence';
import { EVAL_BATCHES, finalLossOf } from '../analysis/metric';
import { lrFactor, type Schedule } from './schedule';
import { prepareTrainingStep, type TrainingStepSetup } from './step';

export interface TrainSetup extends TrainingStepSetup {
  steps: number;
  schedule: Schedule;
  data: { train: Uint32Array; val: Uint32Array };
  /** Steps between loss read-backs (default 4). */
  readEvery?: number;
  /** Validation batches evaluated at the end (default 2; 0 skips). */
  evalBatches?: number;
}

export interface RunOutcomeDetail {
  losses: number[];
  /** Mean of the last 10 recorded losses; null when diverged. */
  finalLoss: number | null;
  diverged: boolean;
  divergedAtStep: number | null;
  valLoss: number | null;
}

export interface TrainResult {
  runs: RunOutcomeDetail[];
  tokensPerSec: number;
  millis: number;
}

export interface TrainControl {
  /** Awaited before every step: resolve to go on, stay pending to pause, throw to cancel. */
  checkpoint?(): Promise<void>;
  /** Called with the losses read back (per run, step by step). */
  onProgress?(step: number, lossesPerRun: number[]): void;
  /**
   * Called after each step's forward pass, before its backward (the coordinate check reads the
   * activations here). The step is then submitted in two parts; the numbers do not change.
   */
  inspect?(step: number, model: GptGpu): Promise<void>;
}

type MapOutcome =
  | { kind: 'mapped' }
  | { kind: 'failed'; error: unknown }
  | { kind: 'lost'; error: DeviceLostError };

/**
 * Maps the first `size` bytes of `buf` for reading. When the device is lost meanwhile this
 * rejects with the context's DeviceLostError rather than mapAsync's own failure (Dawn rejects
 * with an AbortError without a message) or a mapping that never settles.
 */
async function mapForRead(ctx: GpuContext, buf: GPUBuffer, size: number): Promise<void> {
  const outcome = await Promise.race<MapOutcome>([
    buf.mapAsync(MapMode.READ, 0, size).then(
      () => ({ kind: 'mapped' }),
      (error: unknown) => ({ kind: 'failed', error }),
    ),
    ctx.lost.then((error) => ({ kind: 'lost', error })),
  ]);
  if (outcome.kind === 'mapped') return;
  if (outcome.kind === 'lost') throw outcome.error;
  // The loss may be reported just after the mapping fails: give it a moment to arrive.
  const lost = await Promise.race([
    ctx.lost,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100)),
  ]);
  throw lost ?? outcome.error;
}

export async function trainStack(
  ctx: GpuContext,
  setup: TrainSetup,
  control: TrainControl = {},
): Promise<TrainResult> {
  const K = setup.hps.length;
  const T = setup.shape.context;
  const training = await prepareTrainingStep(ctx, setup);
  const { model, optimizer } = training;
  const pool = ctx.pool;
  const history = pool.acquire(
    setup.steps * K * 4,
    BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    'loss history',
  );
  const staging = [0, 1].map(() =>
    pool.acquire(
      setup.steps * K * 4 + 16 + 16 * K,
      BufferUsage.MAP_READ | BufferUsage.COPY_DST,
      'loss readback',
    ),
  );
  try {
    const sampler = new BatchSampler(setup.data.train, setup.batch, T, setup.seed);
    const batch = allocateBatch(setup.batch, T);
    const bound = divergenceBound(setup.shape.vocab);
    const readEvery = Math.max(1, setup.readEvery ?? 4);
    const losses: number[][] = Array.from({ length: K }, () => []);
    const divergedAt: Array<number | null> = Array(K).fill(null);
    let readUpTo = 0; // steps whose losses have been read
    let inFlight: Promise<void> | undefined;
    let slot = 0;
    const lossBuffer = model.lossOp.loss.buffer;
    const lossOffset = model.lossOp.loss.offset;

    const readBack = (from: number, to: number): Promise<void> => {
      const buf = staging[slot];
      slot = 1 - slot;
      const bytes = (to - from) * K * 4;
      // getMappedRange offsets must be multiples of 8: the counters go after a 16-byte boundary.
      const statsAt = Math.ceil(bytes / 16) * 16;
      const encoder = ctx.device.createCommandEncoder({ label: 'loss readback' });
      encoder.copyBufferToBuffer(history, from * K * 4, buf, 0, bytes);
      encoder.copyBufferToBuffer(
        optimizer.stats.buffer,
        optimizer.stats.offset,
        buf,
        statsAt,
        16 * K,
      );
      ctx.device.queue.submit([encoder.finish()]);
      return mapForRead(ctx, buf, statsAt + 16 * K).then(() => {
        const values = new Float32Array(buf.getMappedRange(0, statsAt).slice(0, bytes));
        const stats = decodeGroupStats(
          new Uint32Array(buf.getMappedRange(statsAt, 16 * K).slice(0)),
          K,
        );
        buf.unmap();
        for (let s = 0; s < to - from; s++) {
          for (let k = 0; k < K; k++) {
            if (divergedAt[k] !== null) continue;
            const loss = values[s * K + k];
            // A skipped (non-finite) update shows in the counter; charge it to the last step read.
            const flagged = stats.flaggedCount[k] > 0 && s === to - from - 1;
            if (isDiverged(loss, flagged, bound)) divergedAt[k] = from + s + 1;
            else losses[k].push(loss);
          }
        }
        control.onProgress?.(
          to,
          losses.map((l) => l[l.length - 1] ?? NaN),
        );
      });
    };

    const start = performance.now();
    let step = 0;
    for (step = 1; step <= setup.steps; step++) {
      await control.checkpoint?.();
      sampler.next(batch);
      model.writeBatch(batch.inputs, batch.targets);
      training.setStep(step, lrFactor(setup.schedule, step, setup.steps));
      // An inspected step submits its forward pass first, then reads activations.
      if (control.inspect) {
        training.submitForward(`forward ${step}`);
        await control.inspect(step, model);
      }
      const encoder = ctx.device.createCommandEncoder({ label: `step ${step}` });
      const pass = encoder.beginComputePass({ label: `step ${step}` });
      if (!control.inspect) training.encodeForward(pass);
      training.encodeBackward(pass);
      training.encodeUpdate(pass);
      pass.end();
      encoder.copyBufferToBuffer(lossBuffer, lossOffset, history, (step - 1) * K * 4, K * 4);
      ctx.device.queue.submit([encoder.finish()]);
      if (step % readEvery === 0 || step === setup.steps) {
        // At most one read-back in flight: wait for the previous one before issuing the next.
        await inFlight;
        if (divergedAt.every((d) => d !== null)) break;
        inFlight = readBack(readUpTo, step);
        readUpTo = step;
      }
    }
    await inFlight;
    if (readUpTo < Math.min(step, setup.steps))
      await readBack(readUpTo, Math.min(step, setup.steps));
    const millis = performance.now() - start;
    const stepsRun = Math.min(step, setup.steps);

    // Validation loss on fixed held-out windows, for the runs that did not diverge.
    const valLoss: Array<number | null> = Array(K).fill(null);
    const nEval = setup.evalBatches ?? EVAL_BATCHES;
    if (nEval > 0 && divergedAt.some((d) => d === null)) {
      const sums = new Float64Array(K);
      for (const b of evalBatches(setup.data.val, setup.batch, T, nEval)) {
        model.writeBatch(b.inputs, b.targets);
        const encoder = ctx.device.createCommandEncoder({ label: 'eval' });
        const pass = encoder.beginComputePass();
        for (const op of model.forwardOps) op.encode(pass);
        pass.end();
        ctx.device.queue.submit([encoder.finish()]);
        const staged = staging[0];
        const enc2 = ctx.device.createCommandEncoder();
        enc2.copyBufferToBuffer(lossBuffer, lossOffset, staged, 0, K * 4);
        ctx.device.queue.submit([enc2.finish()]);
        await mapForRead(ctx, staged, K * 4);
        const l = new Float32Array(staged.getMappedRange(0, K * 4).slice(0));
        staged.unmap();
        l.forEach((v, k) => (sums[k] += v / nEval));
      }
      sums.forEach((v, k) => {
        if (divergedAt[k] === null && Number.isFinite(v)) valLoss[k] = v;
      });
    }

    return {
      runs: losses.map((l, k) => ({
        losses: l,
        diverged: divergedAt[k] !== null,
        divergedAtStep: divergedAt[k],
        finalLoss: divergedAt[k] === null && l.length > 0 ? finalLossOf(l) : null,
        valLoss: valLoss[k],
      })),
      tokensPerSec: (stepsRun * K * setup.batch * T) / (millis / 1000),
      millis,
    };
  } finally {
    training.release();
    pool.release(history);
    staging.forEach((b) => pool.release(b));
  }
}
