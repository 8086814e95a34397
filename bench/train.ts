/**
 * `npm run bench -- train --out FILE` (in Node on Dawn; `--browser`: bench/train-browser.ts): tokens/s of a full training step (forward, backward,
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
import { adapterLabel, releaseGpu } from '../src/gpu';
import { acquireNodeGpu } from '../src/gpu/node';
import { createTimer } from '../src/gpu/timing';
import { setUpJaxjs, type JaxjsBench } from './jaxjs';
import { fmt, machineInfo, type Peer, setUpPeer, writeResult } from './table';
import { setUpTfjs, type TfjsBench } from './tfjs';
import {
  BASE_WIDTH,
  BATCH,
  CONTEXT,
  countTfjsPrograms,
  policyOf,
  stacksOf,
  VOCAB,
  WIDTHS,
  widthsOf,
} from './train-engines';
import {
  printAccounting,
  printBreakdowns,
  printChecks,
  printJaxjsDevice,
  printRow,
  rowTable,
} from './train-report';
import { runWidth, trainDoc, type TrainDoc, type WidthResult } from './train-round';

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
  /** `--browser`: the page's run in Chromium first (bench/train-browser.ts), this one beside it. */
  browser: boolean;
}

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
    browser: env.MUP_BENCH_BROWSER === '1',
    tfjs: env.MUP_BENCH_NO_TFJS !== '1',
    jaxjs: env.MUP_BENCH_NO_JAXJS !== '1',
    ...(widths.length ? { widths } : {}),
  };
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

export async function runTrainBench(
  opts: TrainBenchOptions,
): Promise<TrainDoc & { adapter: string }> {
  const started = new Date();
  const t0 = performance.now();
  // At the start: Vitest has loaded the engine's sources by now, whatever changes later.
  const sources = gitSources();
  const loadAtStart = loadavg();
  const ctx = await acquireNodeGpu();
  const adapter = adapterLabel(ctx.adapter);
  const log = (s = '') => console.log(s);
  const cpu = ctx.adapter.isFallback;
  const policy = policyOf(opts);
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
  const results: WidthResult[] = [];
  const table = rowTable(log);
  const counter = tfjs ? countTfjsPrograms() : null;
  try {
    for (const width of widthsOf(opts)) {
      const r = await runWidth({
        ctx,
        width,
        stacks: stacksOf(opts, width, cpu),
        policy,
        tfjs: tfjs !== null,
        tfjsPrograms: () => counter?.count() ?? null,
        jaxjs: jaxjs !== null,
        timer,
        // One sample per op on a CPU adapter (seconds per step), the median of 5 elsewhere.
        breakdownReps: cpu ? 1 : 5,
      });
      for (const row of r.rows) printRow(table, row);
      results.push(r);
    }
  } finally {
    counter?.restore();
    tfjs?.dispose();
    timer.destroy();
    releaseGpu(ctx);
  }
  const doc = trainDoc(results, { quick: opts.quick, policy, breakdownTiming: timer.method });
  printBreakdowns(doc.breakdown, timer.method, log);
  printAccounting(doc.accounting, log);
  printChecks(doc.rows, doc.lossChecks, log);
  printJaxjsDevice(doc.jaxjsSteps, log);
  const seconds = (performance.now() - t0) / 1e3;
  const out = {
    format: 'mup-lab/bench',
    version: 1,
    suite: 'train',
    host: 'node',
    startedAt: started.toISOString(),
    seconds,
    adapter,
    adapterInfo: ctx.adapter,
    features: ctx.features,
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
    ...doc,
  };
  log(`\ndone in ${fmt(seconds)} s`);
  if (!opts.browser) writeResult(opts.out, out, log);
  return out;
}
