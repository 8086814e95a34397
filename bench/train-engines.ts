/**
 * The training benchmark's engines, shared by the Node run (bench/train.ts) and the browser page
 * (bench/web/main.ts): the model and its batches, our step (`createOurs`, built by
 * prepareTrainingStep as the lab trains), the peers' spec, and the per-op breakdown. Nothing
 * here touches Node or the DOM.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BufferUsage, MapMode, type GpuContext, type PreparedOp } from '../src/gpu';
import { DEFAULT_LN_EPS } from '../src/model/gpt';
import { DEFAULT_HYPERPARAMS, type MupHyperparams } from '../src/mup/rules';
import type { GptShape } from '../src/mup/shapes';
import { transfer } from '../src/mup/transfer';
import { prepareTrainingStep } from '../src/train/step';
import { Rng } from '../src/util/random';
import { DEFAULT_POLICY, median, type GpuTimer, type RepeatPolicy } from '../src/gpu/timing';
import { peerGptSpec, type PeerGptSpec } from './peer-gpt';

export const BATCH = 16;
export const CONTEXT = 64;
export const VOCAB = 96;
export const BASE_WIDTH = 64;
export const SEED = 1;
/** Distinct random batches, cycled through. */
export const NUM_BATCHES = 8;
/** The goal of the issue: ours at least this many times TF.js's tokens/s... */
export const GOAL_RATIO = 10;
/** ... and this many times jax-js's. */
export const GOAL_RATIO_JAX = 3;

export function benchShape(width: number): GptShape {
  return {
    width,
    depth: 2,
    heads: 4,
    context: CONTEXT,
    vocab: VOCAB,
    tiedReadout: true,
    biases: false,
  };
}

/** Hyperparameters of stacked run k: a learning-rate sweep around the default, run 0 at it. */
export function hpOf(k: number): MupHyperparams {
  return { ...DEFAULT_HYPERPARAMS, lr: DEFAULT_HYPERPARAMS.lr * 1.5 ** k };
}

export interface Batch {
  tokens: Uint32Array;
  targets: Uint32Array;
}

/** Random ids in [0, VOCAB): sequences of T + 1 tokens, targets the inputs shifted by one. */
export function randomBatches(n: number, seed: number): Batch[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const tokens = new Uint32Array(BATCH * CONTEXT);
    const targets = new Uint32Array(BATCH * CONTEXT);
    for (let b = 0; b < BATCH; b++) {
      let prev = rng.int(VOCAB);
      for (let t = 0; t < CONTEXT; t++) {
        const next = rng.int(VOCAB);
        tokens[b * CONTEXT + t] = prev;
        targets[b * CONTEXT + t] = next;
        prev = next;
      }
    }
    return { tokens, targets };
  });
}

/** GPU dispatches that encoding `ops` records, counted on a stand-in pass. */
export function countDispatches(ops: readonly PreparedOp[]): number {
  let n = 0;
  const pass = new Proxy(
    {},
    {
      get: (_, prop) =>
        prop === 'dispatchWorkgroups' || prop === 'dispatchWorkgroupsIndirect'
          ? () => void n++
          : () => undefined,
    },
  ) as GPUComputePassEncoder;
  for (const op of ops) op.encode(pass);
  return n;
}

/** An op's kind from its label: 'layernorm blocks.0.ln1.gain run 0 [row]' -> 'layernorm'. */
export function opKind(label: string): string {
  const words: string[] = [];
  for (const w of label.split(' ')) {
    if (/[.\d[]/.test(w) || w === 'run') break;
    words.push(w);
  }
  const kind = words.join(' ');
  if (kind === 'linear' || kind === 'readout') return 'matmul forward';
  if (kind === 'dX' || kind === 'dHf' || kind === 'dHf tied') return 'matmul dX';
  if (kind === 'dW' || kind === 'dW tied readout') return 'matmul dW';
  return kind || label;
}

export interface Breakdown {
  width: number;
  stack: number;
  /**
   * Sum of the ops timed one at a time (each in its own pass, after the measured steps), ms.
   * Indicative: one sample per op on a CPU adapter, where background load moves it by 2x.
   */
  totalMs: number;
  /** The step's median wall time, ms, for comparison. */
  stepMs: number;
  kinds: Array<{ kind: string; ms: number; ops: number; share: number }>;
  ops: Array<{ label: string; ms: number }>;
}

/** Times every op of one step on its own (after the measured steps) and sums them by kind. */
export async function breakdownOf(
  timer: GpuTimer,
  o: OursTrainer,
  width: number,
  stepMs: number,
  reps: number,
): Promise<Breakdown> {
  const samples: number[][] = o.ops.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < o.ops.length; i++) {
      const op = o.ops[i];
      samples[i].push(await timer.time((pass) => op.encode(pass), 1, op.label));
    }
  }
  const ops = o.ops.map((op, i) => ({ label: op.label, ms: median(samples[i]) }));
  const totalMs = ops.reduce((a, x) => a + x.ms, 0);
  const byKind = new Map<string, { ms: number; ops: number }>();
  for (const x of ops) {
    const k = byKind.get(opKind(x.label)) ?? { ms: 0, ops: 0 };
    k.ms += x.ms;
    k.ops++;
    byKind.set(opKind(x.label), k);
  }
  const kinds = [...byKind.entries()]
    .map(([kind, k]) => ({ kind, ms: k.ms, ops: k.ops, share: k.ms / totalMs }))
    .sort((a, b) => b.ms - a.ms);
  return { width, stack: o.runs, totalMs, stepMs, kinds, ops };
}

/** Our engine on K stacked runs, one submission per step (as src/train/trainer.ts trains). */
export interface OursTrainer {
  runs: number;
  dispatchesPerStep: number;
  /** Every op of a step, the optimizer last (for the per-op breakdown). */
  ops: readonly PreparedOp[];
  /** One step on `batch`; resolves to the per-run losses once the GPU is done. */
  step(batch: Batch): Promise<StepResult>;
  release(): void;
}

export interface StepResult {
  /** Per-run losses. */
  losses: Float32Array;
  /** GPU time of the step's compute pass (timestamp queries), null without them. */
  gpuMs: number | null;
}

export async function createOurs(
  ctx: GpuContext,
  shape: GptShape,
  base: GptShape,
  K: number,
): Promise<OursTrainer> {
  const { device } = ctx;
  const training = await prepareTrainingStep(ctx, {
    shape,
    base,
    parametrization: 'mup',
    hps: Array.from({ length: K }, (_, k) => hpOf(k)),
    seed: SEED,
    batch: BATCH,
  });
  // Readback: the pass's two timestamps (when the adapter has them), then the K losses.
  const timestamps = ctx.features.timestampQuery
    ? {
        querySet: device.createQuerySet({ type: 'timestamp', count: 2, label: 'bench step' }),
        resolve: device.createBuffer({
          size: 16,
          usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC,
          label: 'bench step timestamps',
        }),
      }
    : null;
  const staging = device.createBuffer({
    size: 16 + K * 4,
    usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    label: 'bench loss readback',
  });
  const { model } = training;
  const loss = model.lossOp.loss;
  let step = 0;
  return {
    runs: K,
    dispatchesPerStep: countDispatches(training.ops),
    ops: training.ops,
    async step(batch) {
      step++;
      model.writeBatch(batch.tokens, batch.targets);
      training.setStep(step);
      const encoder = device.createCommandEncoder({ label: `bench step ${step}` });
      const pass = encoder.beginComputePass({
        label: `bench step ${step}`,
        ...(timestamps
          ? {
              timestampWrites: {
                querySet: timestamps.querySet,
                beginningOfPassWriteIndex: 0,
                endOfPassWriteIndex: 1,
              },
            }
          : {}),
      });
      training.encodeForward(pass);
      training.encodeBackward(pass);
      training.encodeUpdate(pass);
      pass.end();
      if (timestamps) {
        encoder.resolveQuerySet(timestamps.querySet, 0, 2, timestamps.resolve, 0);
        encoder.copyBufferToBuffer(timestamps.resolve, 0, staging, 0, 16);
      }
      encoder.copyBufferToBuffer(loss.buffer, loss.offset, staging, 16, K * 4);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MapMode.READ);
      const [t0, t1] = new BigUint64Array(staging.getMappedRange(0, 16).slice(0));
      const losses = new Float32Array(staging.getMappedRange(16, K * 4).slice(0));
      staging.unmap();
      return { losses, gpuMs: timestamps ? Math.max(0, Number(t1 - t0)) / 1e6 : null };
    },
    release() {
      training.release();
      staging.destroy();
      timestamps?.querySet.destroy();
      timestamps?.resolve.destroy();
    },
  };
}

/** The peers' model spec: the same shape, multipliers, initial weights and AdamW values. */
export function peerSpec(shape: GptShape, base: GptShape): PeerGptSpec {
  return peerGptSpec(shape, transfer(hpOf(0), 'mup', base, shape), {
    batch: BATCH,
    lnEps: DEFAULT_LN_EPS,
    seed: SEED,
  });
}

/**
 * Counts the WebGPU programs TF.js dispatches, by wrapping its backend's runWebGPUProgram (an
 * internal method: null when it is not there).
 */
export function countTfjsPrograms(): { count(): number | null; restore(): void } {
  const backend = tf.backend() as unknown as Record<string, unknown>;
  const original = backend.runWebGPUProgram;
  if (typeof original !== 'function') return { count: () => null, restore() {} };
  let n = 0;
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
    n++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  return {
    count: () => n,
    restore: () => void (backend.runWebGPUProgram = original),
  };
}

/** The benchmark's model and data, as its JSON records them. */
export const MODEL_INFO = {
  depth: 2,
  heads: 4,
  context: CONTEXT,
  batch: BATCH,
  vocab: VOCAB,
  tiedReadout: true,
  biases: false,
  parametrization: 'mup',
  baseWidth: BASE_WIDTH,
  optimizer: 'AdamW (weight decay 0), beta2 0.95, global-norm clip 1',
  data: `random token ids in [0, ${VOCAB}), ${NUM_BATCHES} batches cycled`,
};

export const WIDTHS = [64, 128, 256];

/** What a run covers, from its options: the same in Node and in the page. */
export interface TrainPlan {
  quick: boolean;
  widths?: number[];
  stacks?: number[];
}

export function widthsOf(plan: TrainPlan): number[] {
  return plan.widths ?? (plan.quick ? [64] : WIDTHS);
}

/** On a CPU adapter a step at width 256 takes seconds (TF.js: ~45 s): stack only 64 and 128. */
export function stacksOf(plan: TrainPlan, width: number, cpu: boolean): number[] {
  return plan.stacks ?? (plan.quick ? [1, 4] : cpu && width > 128 ? [1] : [1, 4, 8]);
}

export function policyOf(plan: TrainPlan): RepeatPolicy {
  return plan.quick
    ? { ...DEFAULT_POLICY, budgetMs: 2000, minReps: 2, maxReps: 3 }
    : { ...DEFAULT_POLICY, budgetMs: 10000, minReps: 3, maxReps: 9 };
}
