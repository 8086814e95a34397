/**
 * One width of the training benchmark, the same in Node (bench/train.ts) and in the browser
 * (bench/web/main.ts): our K-stacked steps, TF.js's and jax-js's steps as contenders of one
 * interleaved measurement (src/gpu/timing.ts `measure`: a warm-up each, then samples round-robin,
 * medians), the rows, the loss checks, the per-op breakdown and the per-step accounting.
 */
import * as tf from '@tensorflow/tfjs-core';
import { withErrorScopes, type GpuContext } from '../src/gpu';
import { measure, median, type GpuTimer, type RepeatPolicy, type Timing } from '../src/gpu/timing';
import { parameterCount } from '../src/mup/shapes';
import type { JaxGpt, JaxStepPhases } from './jaxjs-gpt';
import { countsSince, jaxjsDeviceCounts, type JaxjsDeviceCounts } from './jaxjs-probe';
import { stepAccounting, type StepAccounting } from './step-accounting';
import type { TfjsGpt } from './tfjs-gpt';
import { createJaxGpt } from './jaxjs-gpt';
import { createTfjsGpt } from './tfjs-gpt';
import {
  BASE_WIDTH,
  BATCH,
  benchShape,
  breakdownOf,
  CONTEXT,
  createOurs,
  GOAL_RATIO,
  GOAL_RATIO_JAX,
  MODEL_INFO,
  NUM_BATCHES,
  opKind,
  peerSpec,
  randomBatches,
  SEED,
  type Breakdown,
  type OursTrainer,
} from './train-engines';

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

export function maxRelDiff(a: readonly number[], b: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30));
  }
  return worst;
}

export interface TfjsMemory {
  width: number;
  tensorsBefore: number;
  tensorsAfterWarmup: number;
  tensorsAtEnd: number;
  tensorsAfterDispose: number | null;
}

export interface WidthOptions {
  ctx: GpuContext;
  width: number;
  /** Stack sizes K, 1 first. */
  stacks: readonly number[];
  policy: RepeatPolicy;
  /** TF.js's WebGPU backend is active on ctx's device (bench/tfjs-backend.ts). */
  tfjs: boolean;
  /** Counts TF.js's WebGPU programs so far (null: not countable). */
  tfjsPrograms?: () => number | null;
  /** jax-js is initialised on ctx's adapter. */
  jaxjs: boolean;
  timer: GpuTimer;
  /** Samples per op in the breakdown. */
  breakdownReps: number;
}

export interface WidthResult {
  rows: TrainRow[];
  lossCheck: LossCheck | null;
  breakdown: Breakdown;
  tfjsMemory: TfjsMemory | null;
  /** Per-step accounting of our step, per K. */
  accounting: Array<{ width: number; stack: number } & StepAccounting>;
  /**
   * jax-js's last timed step: what its device was asked to do (bench/jaxjs-probe.ts) and where
   * the step's wall time went.
   */
  jaxjsStep: { width: number; device: JaxjsDeviceCounts; phases: JaxStepPhases } | null;
}

const tokensOf = (K: number, ms: number) => (K * BATCH * CONTEXT) / (ms / 1000);

/** Builds the contenders of one width, measures them interleaved, and tears them down. */
export async function runWidth(o: WidthOptions): Promise<WidthResult> {
  const { ctx, width } = o;
  const shape = benchShape(width);
  const base = { ...shape, width: BASE_WIDTH };
  const batches = randomBatches(NUM_BATCHES, SEED);
  const batchesI32 = batches.map((b) => ({
    tokens: new Int32Array(b.tokens),
    targets: new Int32Array(b.targets),
  }));
  const ours: OursTrainer[] = [];
  let model: TfjsGpt | null = null;
  let jaxModel: JaxGpt | null = null;
  let tfjsMemory: TfjsMemory | null = null;
  try {
    for (const K of o.stacks) ours.push(await createOurs(ctx, shape, base, K));
    const accounting = ours.map((t) => ({
      width,
      stack: t.runs,
      ...stepAccounting(t.ops, shape, BATCH, t.runs, opKind),
    }));
    const tensorsBefore = o.tfjs ? tf.memory().numTensors : 0;
    if (o.tfjs) model = createTfjsGpt(peerSpec(shape, base));
    if (o.jaxjs) jaxModel = createJaxGpt(peerSpec(shape, base));
    const losses: number[][] = ours.map(() => []);
    const gpuMs: number[][] = ours.map(() => []);
    const tfjsLosses: number[] = [];
    const jaxLosses: number[] = [];
    let tfjsDispatches: number | null = null;
    let jaxjsStep: WidthResult['jaxjsStep'] = null;
    let tensorsAfterWarmup = 0;
    const contenders = ours.map((t, i) => {
      let s = 0;
      return {
        name: `ours K=${t.runs}`,
        async sample(inner: number) {
          const start = performance.now();
          for (let r = 0; r < inner; r++) {
            const batch = batches[s++ % NUM_BATCHES];
            // The warm-up step runs in error scopes: an invalid submission would do nothing.
            const l = await (s === 1
              ? withErrorScopes(ctx.device, `ours K=${t.runs} step`, () => t.step(batch))
              : t.step(batch));
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
            const before = o.tfjsPrograms?.() ?? null;
            const { tokens, targets } = batchesI32[s];
            tfjsLosses.push(
              await (tfjsLosses.length === 0
                ? withErrorScopes(ctx.device, 'TF.js step', () => m.step(tokens, targets))
                : m.step(tokens, targets)),
            );
            s = (s + 1) % NUM_BATCHES;
            const after = o.tfjsPrograms?.() ?? null;
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
            const before = jaxjsDeviceCounts();
            jaxLosses.push(await m.step(tokens, targets));
            const device = countsSince(before, jaxjsDeviceCounts());
            jaxjsStep = { width, device, phases: m.lastPhases() };
            s = (s + 1) % NUM_BATCHES;
          }
          return (performance.now() - start) / inner;
        },
      });
    }
    const timings = await measure(contenders, o.policy);
    const single = tokensOf(1, timings[0].ms);
    const tf1: Timing | null = model ? timings[ours.length] : null;
    const tfjsRate = tf1 ? tokensOf(1, tf1.ms) : null;
    const jax1: Timing | null = jaxModel ? timings[jaxAt] : null;
    const jaxRate = jax1 ? tokensOf(1, jax1.ms) : null;
    const rows = ours.map((t, i): TrainRow => {
      const rate = tokensOf(t.runs, timings[i].ms);
      return {
        width,
        stack: t.runs,
        params: parameterCount(shape),
        tokensPerStep: t.runs * BATCH * CONTEXT,
        ours: {
          tokensPerSec: rate,
          msPerStep: timings[i].ms,
          gpuMsPerStep: gpuMs[i].length > 1 ? median(gpuMs[i].slice(1)) : null,
          dispatchesPerStep: t.dispatchesPerStep,
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
          ? (t.runs * Math.min(...tf1.samples)) / Math.min(...timings[i].samples)
          : null,
        ratioJaxOfFastest: jax1
          ? (t.runs * Math.min(...jax1.samples)) / Math.min(...timings[i].samples)
          : null,
      };
    });
    const breakdown = await breakdownOf(o.timer, ours[0], width, timings[0].ms, o.breakdownReps);
    if (model) {
      tfjsMemory = {
        width,
        tensorsBefore,
        tensorsAfterWarmup,
        tensorsAtEnd: model.numTensors(),
        tensorsAfterDispose: null,
      };
    }
    const lossCheck: LossCheck | null =
      model || jaxModel
        ? {
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
          }
        : null;
    return { rows, lossCheck, breakdown, tfjsMemory, accounting, jaxjsStep };
  } finally {
    ours.forEach((t) => t.release());
    model?.dispose();
    jaxModel?.dispose();
    if (model && tfjsMemory) tfjsMemory.tensorsAfterDispose = tf.memory().numTensors;
  }
}

export interface TrainDoc {
  timing: string;
  breakdownTiming: string;
  policy: RepeatPolicy;
  quick: boolean;
  model: typeof MODEL_INFO;
  goalRatio: number;
  goalRatioJax: number;
  rows: TrainRow[];
  shortfalls: Array<{
    width: number;
    stack: number;
    ratio: number | null;
    ratioJax: number | null;
  }>;
  lossChecks: LossCheck[];
  tfjsMemory: TfjsMemory[];
  breakdown: Breakdown[];
  accounting: WidthResult['accounting'];
  jaxjsSteps: Array<NonNullable<WidthResult['jaxjsStep']>>;
}

/** The host-independent part of the benchmark's JSON, from its widths' results. */
export function trainDoc(
  results: readonly WidthResult[],
  o: { quick: boolean; policy: RepeatPolicy; breakdownTiming: string },
): TrainDoc {
  const rows = results.flatMap((r) => r.rows);
  return {
    timing: 'wall clock per step: batch upload to loss read back; median after one warm-up',
    breakdownTiming: o.breakdownTiming,
    policy: o.policy,
    quick: o.quick,
    model: MODEL_INFO,
    goalRatio: GOAL_RATIO,
    goalRatioJax: GOAL_RATIO_JAX,
    rows,
    shortfalls: rows
      .filter((r) => r.meetsGoal === false)
      .map((r) => ({ width: r.width, stack: r.stack, ratio: r.ratio, ratioJax: r.ratioJax })),
    lossChecks: results.flatMap((r) => (r.lossCheck ? [r.lossCheck] : [])),
    tfjsMemory: results.flatMap((r) => (r.tfjsMemory ? [r.tfjsMemory] : [])),
    breakdown: results.map((r) => r.breakdown),
    accounting: results.flatMap((r) => r.accounting),
    jaxjsSteps: results.flatMap((r) => (r.jaxjsStep ? [r.jaxjsStep] : [])),
  };
}
