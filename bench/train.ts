/**
 * `npm run bench -- train --out FILE`: tokens/s of a full training step (forward, backward,
 * AdamW) of the lab's GPT (2 layers, 4 heads, T = 64, batch 16, vocab 96, tied readout) at widths
 * 64, 128, 256, for our engine (K = 1, 4, 8 runs stacked in one model) and for the same model in
 * TensorFlow.js (bench/tfjs-gpt.ts) on TF.js's WebGPU backend on the same device.
 * `--quick`: width 64, K = 1 and 4, 2-3 repeats. `--only 64,256`: those widths. `--stacks 1,4`:
 * those K. `--no-tfjs`, `--no-jaxjs`: without that peer.
 *
 * A step is timed on the wall clock from the batch upload to the loss read back on the CPU, both
 * for ours (one submission: every op and the optimizer in one compute pass, then the per-run
 * losses copied out and mapped) and for TF.js (tf.tidy around variableGrads, clipping and Adam,
 * then `await loss.data()`): each step ends synchronised, as a training loop that looks at
 * every loss would. One warm-up step per contender, then steps round-robin (timing.ts `measure`),
 * median. Both start from the same initial parameters and see the same batches, so their losses
 * must agree step by step (recorded in `lossChecks`). Afterwards every op of our K = 1 step is
 * timed alone (`breakdown`: where our time goes).
 *
 * "Separate" is K runs trained one after another, each as a stack of 1: its tokens/s is the
 * K = 1 row's (the same steps, K times as many), so `stackSpeedup` = stacked / K = 1 tokens/s.
 * TF.js trains one run per model: for K > 1 rows its tokens/s is that of its single run.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import {
  adapterLabel,
  BufferUsage,
  MapMode,
  releaseGpu,
  withErrorScopes,
  type GpuContext,
  type PreparedOp,
} from '../src/gpu';
import { acquireNodeGpu } from '../src/gpu/node';
import { DEFAULT_LN_EPS } from '../src/model/gpt';
import { DEFAULT_HYPERPARAMS, type MupHyperparams } from '../src/mup/rules';
import { parameterCount, type GptShape } from '../src/mup/shapes';
import { transfer } from '../src/mup/transfer';
import { prepareTrainingStep } from '../src/train/step';
import { Rng } from '../src/util/random';
import { setUpJaxjs, type JaxjsBench } from './jaxjs';
import { createJaxGpt, type JaxGpt } from './jaxjs-gpt';
import { peerGptSpec, type PeerGptSpec } from './peer-gpt';
import { fmt, machineInfo, type Peer, setUpPeer, Table, writeResult } from './table';
import { setUpTfjs, type TfjsBench } from './tfjs';
import { createTfjsGpt, type TfjsGpt } from './tfjs-gpt';
import {
  createTimer,
  DEFAULT_POLICY,
  measure,
  median,
  type Contender,
  type GpuTimer,
  type RepeatPolicy,
  type Timing,
} from '../src/gpu/timing';

export interface TrainBenchOptions {
  out?: string;
  /** Width 64 only, stacks 1 and 4, fewer repeats: a smoke run. */
  quick: boolean;
  tfjs: boolean;
  jaxjs: boolean;
  /** Widths to run (`--only 64,256`); default 64, 128, 256 (quick: 64). */
  widths?: number[];
  /** Stack sizes K to run (`--stacks 1,4`); default 1, 4, 8 (CPU adapter at width 256: 1). */
  stacks?: number[];
}

export const WIDTHS = [64, 128, 256];

export function trainOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TrainBenchOptions {
  const only = (env.MUP_BENCH_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s);
  const widths = only.map(Number);
  const bad = only.filter((s, i) => !WIDTHS.includes(widths[i]));
  if (bad.length) {
    throw new Error(`train: --only takes widths among ${WIDTHS.join(', ')}; got ${bad.join(', ')}`);
  }
  const stackList = (env.MUP_BENCH_STACKS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s);
  const stacks = stackList.map(Number);
  const badStacks = stackList.filter((s, i) => !(Number.isInteger(stacks[i]) && stacks[i] >= 1));
  if (badStacks.length) {
    throw new Error(`train: --stacks takes positive integers; got ${badStacks.join(', ')}`);
  }
  return {
    // K = 1 always runs first: the separate rate, the per-op breakdown and the loss checks use it.
    ...(stacks.length ? { stacks: [...new Set([1, ...stacks])].sort((x, y) => x - y) } : {}),
    out: env.MUP_BENCH_OUT || undefined,
    quick: env.MUP_BENCH_QUICK === '1',
    tfjs: env.MUP_BENCH_NO_TFJS !== '1',
    jaxjs: env.MUP_BENCH_NO_JAXJS !== '1',
    ...(widths.length ? { widths } : {}),
  };
}

export const BATCH = 16;
export const CONTEXT = 64;
export const VOCAB = 96;
export const BASE_WIDTH = 64;
const SEED = 1;
/** Distinct random batches, cycled through. */
const NUM_BATCHES = 8;
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
function hpOf(k: number): MupHyperparams {
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
function countDispatches(ops: readonly PreparedOp[]): number {
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
async function breakdownOf(
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
function peerSpec(shape: GptShape, base: GptShape): PeerGptSpec {
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
function countTfjsPrograms(): { count(): number | null; restore(): void } {
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

export interface TrainRow {
  width: number;
  stack: number;
  /** Parameters of one run. */
  params: number;
  /** Tokens of one step over all stacked runs: stack x batch x context. */
  tokensPerStep: number;
  ours: {
    tokensPerSec: number;
    msPerStep: number;
    /** Median GPU time of the step's pass (timestamp queries; null without), warm-up excluded. */
    gpuMsPerStep: number | null;
    dispatchesPerStep: number;
    timing: Timing;
  };
  /** The same K runs trained one after another (K = 1 tokens/s). */
  separate: { tokensPerSec: number };
  /** ours / separate tokens/s. */
  stackSpeedup: number;
  /** TF.js, one run (for K > 1: K runs one after another). */
  tfjs: {
    tokensPerSec: number;
    msPerStep: number;
    dispatchesPerStep: number | null;
    timing: Timing;
  } | null;
  /** jax-js, one run (for K > 1: K runs one after another). */
  jaxjs: { tokensPerSec: number; msPerStep: number; timing: Timing } | null;
  /** ours.tokensPerSec / tfjs.tokensPerSec (medians). */
  ratio: number | null;
  /** ours.tokensPerSec / jaxjs.tokensPerSec (medians). */
  ratioJax: number | null;
  /** Every peer that ran is beaten by its goal ratio (null when none ran). */
  meetsGoal: boolean | null;
  /**
   * The same ratio from each side's fastest timed step: background load only ever slows a step
   * down, so on a shared machine this is the steadier estimate.
   */
  ratioOfFastest: number | null;
  ratioJaxOfFastest: number | null;
}

export interface LossCheck {
  width: number;
  /** Losses of the first steps (same init, same batches): ours K = 1 run 0, TF.js. */
  ours: number[];
  tfjs: number[];
  /** Largest |ours - tfjs| / tfjs over the common steps. */
  maxRelDiff: number;
  /** Losses of jax-js's first steps, and the same comparison against ours. */
  jaxjs: number[];
  jaxMaxRelDiff: number | null;
  /** Run 0 of every stack K > 1 (same lr, init and batches) against K = 1. */
  stackedRun0MaxRelDiff: number;
}

function maxRelDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30));
  }
  return worst;
}

function gitSources(): { head: string; modified: string[] } | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
    return {
      head: git('rev-parse', '--short', 'HEAD'),
      // The engine's sources as measured: other developers' uncommitted kernel changes count.
      modified: git('status', '--porcelain', '--', 'kernels', 'src/ops', 'src/model', 'src/gpu')
        .split('\n')
        .filter((s) => s),
    };
  } catch {
    return null;
  }
}

export async function runTrainBench(opts: TrainBenchOptions): Promise<unknown> {
  const started = new Date();
  const t0 = performance.now();
  // At the start: Vitest has loaded the engine's sources by now, whatever changes later.
  const sources = gitSources();
  const loadAtStart = loadavg();
  const ctx = await acquireNodeGpu();
  const adapter = adapterLabel(ctx.adapter);
  const log = (s = '') => console.log(s);
  const cpu = ctx.adapter.isFallback;
  const widths = opts.widths ?? (opts.quick ? [64] : WIDTHS);
  // On a CPU adapter a step at width 256 takes seconds (TF.js: ~45 s): stack only 64 and 128.
  const stacksOf = (w: number) =>
    opts.stacks ?? (opts.quick ? [1, 4] : cpu && w > 128 ? [1] : [1, 4, 8]);
  const policy: RepeatPolicy = opts.quick
    ? { ...DEFAULT_POLICY, budgetMs: 2000, minReps: 2, maxReps: 3 }
    : { ...DEFAULT_POLICY, budgetMs: 10000, minReps: 3, maxReps: 9 };
  log(`adapter: ${adapter}`);
  log(
    `model: 2 layers, 4 heads, T = ${CONTEXT}, batch ${BATCH}, vocab ${VOCAB}, tied readout, ` +
      `µP (base width ${BASE_WIDTH}), AdamW + clip 1`,
  );
  log(
    'timing: wall clock per step (upload .. loss on the CPU), median after one warm-up step; ' +
      "GPU ms: our step's compute pass (timestamp queries)",
  );

  const { peer: tfjs, note: tfjsNote }: Peer<TfjsBench> = opts.tfjs
    ? await setUpPeer('TF.js', () => setUpTfjs(ctx), log)
    : { peer: null, note: 'skipped (--no-tfjs)' };
  const { peer: jaxjs, note: jaxjsNote }: Peer<JaxjsBench> = opts.jaxjs
    ? await setUpPeer('jax-js', () => setUpJaxjs(ctx), log)
    : { peer: null, note: 'skipped (--no-jaxjs)' };
  if (jaxjs) log(`jax-js: ${jaxjs.version} on ${jaxjs.adapter}`);

  const timer = createTimer(ctx);
  const breakdowns: Breakdown[] = [];
  const rows: TrainRow[] = [];
  const lossChecks: LossCheck[] = [];
  const tfjsMemory: Array<{
    width: number;
    tensorsBefore: number;
    tensorsAfterWarmup: number;
    tensorsAtEnd: number;
    tensorsAfterDispose: number | null;
  }> = [];
  const table = new Table([
    { title: 'width', width: 5, right: true },
    { title: 'K', width: 2, right: true },
    { title: 'ours ms/step', width: 12, right: true },
    { title: 'GPU ms', width: 8, right: true },
    { title: 'ours tok/s', width: 10, right: true },
    { title: 'separate', width: 9, right: true },
    { title: 'stack x', width: 7, right: true },
    { title: 'tfjs ms/step', width: 12, right: true },
    { title: 'tfjs tok/s', width: 10, right: true },
    { title: 'ratio', width: 6, right: true },
    { title: 'fastest', width: 7, right: true },
    { title: 'jax ms/step', width: 11, right: true },
    { title: 'jax tok/s', width: 9, right: true },
    { title: 'ratioJax', width: 8, right: true },
    { title: 'fastest', width: 7, right: true },
    { title: 'dispatches ours/tfjs', width: 20 },
  ]);
  log(
    `\ntokens/s = K x ${BATCH} x ${CONTEXT} / step time; separate = K runs one after another ` +
      `(the K = 1 rate); ratio = ours / TF.js of the medians (goal >= ${GOAL_RATIO}), ratioJax = ` +
      `ours / jax-js (goal >= ${GOAL_RATIO_JAX}), fastest: of the fastest steps`,
  );
  table.header();
  const batches = randomBatches(NUM_BATCHES, SEED);
  const batchesI32 = batches.map((b) => ({
    tokens: new Int32Array(b.tokens),
    targets: new Int32Array(b.targets),
  }));
  const counter = tfjs ? countTfjsPrograms() : null;
  try {
    for (const width of widths) {
      const shape = benchShape(width);
      const base = { ...shape, width: BASE_WIDTH };
      const stacks = stacksOf(width);
      const ours: OursTrainer[] = [];
      let model: TfjsGpt | null = null;
      let jaxModel: JaxGpt | null = null;
      try {
        for (const K of stacks) ours.push(await createOurs(ctx, shape, base, K));
        const tensorsBefore = tfjs ? tf.memory().numTensors : 0;
        if (tfjs) model = createTfjsGpt(peerSpec(shape, base));
        if (jaxjs) jaxModel = createJaxGpt(peerSpec(shape, base));
        const losses: number[][] = ours.map(() => []);
        const gpuMs: number[][] = ours.map(() => []);
        const tfjsLosses: number[] = [];
        const jaxLosses: number[] = [];
        let tfjsDispatches: number | null = null;
        let tensorsAfterWarmup = 0;
        const contenders: Contender[] = ours.map((o, i) => {
          let s = 0;
          return {
            name: `ours K=${o.runs}`,
            async sample(inner) {
              const start = performance.now();
              for (let r = 0; r < inner; r++) {
                const batch = batches[s++ % NUM_BATCHES];
                // The warm-up step runs in error scopes: an invalid submission would do nothing.
                const l = await (s === 1
                  ? withErrorScopes(ctx.device, `ours K=${o.runs} step`, () => o.step(batch))
                  : o.step(batch));
                losses[i].push(l.losses[0]);
                if (l.gpuMs !== null) gpuMs[i].push(l.gpuMs);
              }
              return (performance.now() - start) / inner;
            },
          };
        });
        if (model) {
          const m = model;
          let s = 0;
          contenders.push({
            name: 'tfjs',
            async sample(inner) {
              const start = performance.now();
              for (let r = 0; r < inner; r++) {
                const before = counter?.count() ?? null;
                const { tokens, targets } = batchesI32[s];
                tfjsLosses.push(
                  await (tfjsLosses.length === 0
                    ? withErrorScopes(ctx.device, 'TF.js step', () => m.step(tokens, targets))
                    : m.step(tokens, targets)),
                );
                s = (s + 1) % NUM_BATCHES;
                const after = counter?.count() ?? null;
                if (before !== null && after !== null) tfjsDispatches = after - before;
                if (tfjsLosses.length === 1) tensorsAfterWarmup = m.numTensors();
              }
              return (performance.now() - start) / inner;
            },
          });
        }
        const jaxAt = contenders.length;
        if (jaxModel) {
          const m = jaxModel;
          let s = 0;
          contenders.push({
            name: 'jaxjs',
            async sample(inner) {
              const start = performance.now();
              for (let r = 0; r < inner; r++) {
                const { tokens, targets } = batchesI32[s];
                jaxLosses.push(await m.step(tokens, targets));
                s = (s + 1) % NUM_BATCHES;
              }
              return (performance.now() - start) / inner;
            },
          });
        }
        const timings = await measure(contenders, policy);
        const tokensOf = (K: number, ms: number) => (K * BATCH * CONTEXT) / (ms / 1000);
        const single = tokensOf(1, timings[0].ms);
        const tf1 = model ? timings[ours.length] : null;
        const tfjsRate = tf1 ? tokensOf(1, tf1.ms) : null;
        const jax1 = jaxModel ? timings[jaxAt] : null;
        const jaxRate = jax1 ? tokensOf(1, jax1.ms) : null;
        ours.forEach((o, i) => {
          const rate = tokensOf(o.runs, timings[i].ms);
          const row: TrainRow = {
            width,
            stack: o.runs,
            params: parameterCount(shape),
            tokensPerStep: o.runs * BATCH * CONTEXT,
            ours: {
              tokensPerSec: rate,
              msPerStep: timings[i].ms,
              gpuMsPerStep: gpuMs[i].length > 1 ? median(gpuMs[i].slice(1)) : null,
              dispatchesPerStep: o.dispatchesPerStep,
              timing: timings[i],
            },
            separate: { tokensPerSec: single },
            stackSpeedup: rate / single,
            tfjs:
              tf1 && tfjsRate !== null
                ? {
                    tokensPerSec: tfjsRate,
                    msPerStep: tf1.ms,
                    dispatchesPerStep: tfjsDispatches,
                    timing: tf1,
                  }
                : null,
            jaxjs:
              jax1 && jaxRate !== null
                ? { tokensPerSec: jaxRate, msPerStep: jax1.ms, timing: jax1 }
                : null,
            ratio: tfjsRate ? rate / tfjsRate : null,
            ratioJax: jaxRate ? rate / jaxRate : null,
            meetsGoal:
              tfjsRate || jaxRate
                ? (!tfjsRate || rate / tfjsRate >= GOAL_RATIO) &&
                  (!jaxRate || rate / jaxRate >= GOAL_RATIO_JAX)
                : null,
            ratioOfFastest: tf1
              ? (o.runs * Math.min(...tf1.samples)) / Math.min(...timings[i].samples)
              : null,
            ratioJaxOfFastest: jax1
              ? (o.runs * Math.min(...jax1.samples)) / Math.min(...timings[i].samples)
              : null,
          };
          rows.push(row);
          table.row([
            String(width),
            String(o.runs),
            fmt(row.ours.msPerStep),
            fmt(row.ours.gpuMsPerStep),
            fmt(rate),
            fmt(single),
            fmt(row.stackSpeedup),
            fmt(row.tfjs?.msPerStep),
            fmt(row.tfjs?.tokensPerSec),
            fmt(row.ratio),
            fmt(row.ratioOfFastest),
            fmt(row.jaxjs?.msPerStep),
            fmt(row.jaxjs?.tokensPerSec),
            fmt(row.ratioJax),
            fmt(row.ratioJaxOfFastest),
            `${o.dispatchesPerStep} / ${row.tfjs?.dispatchesPerStep ?? '-'}`,
          ]);
        });
        // One sample per op on a CPU adapter (seconds per step), the median of 5 elsewhere.
        breakdowns.push(await breakdownOf(timer, ours[0], width, timings[0].ms, cpu ? 1 : 5));
        if (model) {
          tfjsMemory.push({
            width,
            tensorsBefore,
            tensorsAfterWarmup,
            tensorsAtEnd: model.numTensors(),
            tensorsAfterDispose: null,
          });
        }
        if (model || jaxModel) {
          lossChecks.push({
            width,
            ours: losses[0],
            tfjs: tfjsLosses,
            maxRelDiff: maxRelDiff(losses[0], tfjsLosses),
            jaxjs: jaxLosses,
            jaxMaxRelDiff: jaxModel ? maxRelDiff(losses[0], jaxLosses) : null,
            stackedRun0MaxRelDiff: Math.max(
              0,
              ...losses.slice(1).map((l) => maxRelDiff(l, losses[0])),
            ),
          });
        }
      } finally {
        ours.forEach((o) => o.release());
        model?.dispose();
        jaxModel?.dispose();
        const mem = tfjsMemory[tfjsMemory.length - 1];
        if (model && mem?.width === width) mem.tensorsAfterDispose = tf.memory().numTensors;
      }
    }
  } finally {
    counter?.restore();
    tfjs?.dispose();
    timer.destroy();
    releaseGpu(ctx);
  }

  if (breakdowns.length) {
    log(`\nours, K = 1: GPU time per op kind, each op timed alone (${timer.method})`);
    const kinds = [...new Set(breakdowns.flatMap((b) => b.kinds.map((k) => k.kind)))];
    const bt = new Table([
      { title: 'op kind', width: 20 },
      ...breakdowns.map((b) => ({ title: `d=${b.width} ms`, width: 9, right: true })),
      ...breakdowns.map((b) => ({ title: `d=${b.width} %`, width: 7, right: true })),
    ]);
    bt.header();
    const cell = (b: Breakdown, kind: string) => b.kinds.find((k) => k.kind === kind);
    for (const kind of kinds) {
      bt.row([
        kind,
        ...breakdowns.map((b) => fmt(cell(b, kind)?.ms)),
        ...breakdowns.map((b) => fmt((cell(b, kind)?.share ?? NaN) * 100, 2)),
      ]);
    }
    bt.row(['sum of ops', ...breakdowns.map((b) => fmt(b.totalMs))]);
    bt.row(['step (wall, median)', ...breakdowns.map((b) => fmt(b.stepMs))]);
  }
  const shortfalls = rows
    .filter((r) => r.meetsGoal === false)
    .map((r) => ({ width: r.width, stack: r.stack, ratio: r.ratio, ratioJax: r.ratioJax }));
  if (lossChecks.length) {
    log('\nsame model check (same init and batches): max relative loss difference vs ours');
    for (const c of lossChecks) {
      log(
        `  width ${c.width}: TF.js ${fmt(c.maxRelDiff, 2)} over ${Math.min(c.ours.length, c.tfjs.length)} steps, ` +
          `jax-js ${fmt(c.jaxMaxRelDiff, 2)} over ${Math.min(c.ours.length, c.jaxjs.length)} ` +
          `(first loss ours ${fmt(c.ours[0], 6)}, TF.js ${fmt(c.tfjs[0], 6)}, jax-js ${fmt(c.jaxjs[0], 6)}); ` +
          `stacked run 0 vs K = 1: ${fmt(c.stackedRun0MaxRelDiff, 2)}`,
      );
    }
  }
  const goalLine = (
    peer: string,
    goal: number,
    ratio: (r: TrainRow) => number | null,
    fastest: (r: TrainRow) => number | null,
  ) => {
    const withRatio = rows.filter((r) => ratio(r) !== null && r.stack === 1);
    if (!withRatio.length) return;
    log(
      `goal ours >= ${goal} x ${peer} tokens/s (one run each): ` +
        withRatio
          .map(
            (r) =>
              `width ${r.width} ${fmt(ratio(r))}x ${ratio(r)! >= goal ? 'met' : 'SHORT'}` +
              ` (fastest steps ${fmt(fastest(r))}x)`,
          )
          .join(', '),
    );
  };
  log();
  goalLine(
    'TF.js',
    GOAL_RATIO,
    (r) => r.ratio,
    (r) => r.ratioOfFastest,
  );
  goalLine(
    'jax-js',
    GOAL_RATIO_JAX,
    (r) => r.ratioJax,
    (r) => r.ratioJaxOfFastest,
  );
  const seconds = (performance.now() - t0) / 1e3;
  const doc = {
    format: 'mup-lab/bench',
    version: 1,
    suite: 'train',
    startedAt: started.toISOString(),
    seconds,
    adapter,
    adapterInfo: ctx.adapter,
    features: ctx.features,
    timing: 'wall clock per step: batch upload to loss read back; median after one warm-up',
    breakdownTiming: timer.method,
    policy,
    quick: opts.quick,
    model: {
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
    },
    goalRatio: GOAL_RATIO,
    goalRatioJax: GOAL_RATIO_JAX,
    tfjsVersion: tfjs?.version ?? null,
    ...(tfjsNote ? { tfjsSkipped: tfjsNote } : {}),
    jaxjsVersion: jaxjs?.version ?? null,
    jaxjsAdapter: jaxjs?.adapter ?? null,
    ...(jaxjsNote ? { jaxjsSkipped: jaxjsNote } : {}),
    sources,
    environment: {
      ...machineInfo(),
      // A shared machine: 1-minute load averages at the start and at the end of the run.
      loadAverage: { start: loadAtStart[0], end: loadavg()[0] },
    },
    rows,
    shortfalls,
    lossChecks,
    tfjsMemory,
    breakdown: breakdowns,
  };
  log(`\ndone in ${fmt(seconds)} s`);
  writeResult(opts.out, doc, log);
  return doc;
}
