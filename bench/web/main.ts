/**
 * The training benchmark in the page: the same engines and the same interleaved measurement as
 * the Node run (bench/train-engines.ts, bench/train-round.ts), on the browser's WebGPU. Ours and
 * TF.js share our device; jax-js asks navigator.gpu for its own device, which must land on the
 * same adapter. Options come in the query string (quick, widths, stacks, tfjs=0, jaxjs=0); the
 * result is `window.__trainBench`, a promise the driver (bench/train-browser.ts) awaits.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultDevice, init } from '@jax-js/jax';
import { adapterLabel, releaseGpu, summarizeAdapter } from '../../src/gpu';
import { acquireBrowserGpu } from '../../src/gpu/browser';
import { createTimer } from '../../src/gpu/timing';
import { probeAdapter } from '../jaxjs-probe';
import { useTfjsWebgpu } from '../tfjs-backend';
import { countTfjsPrograms, policyOf, stacksOf, widthsOf, type TrainPlan } from '../train-engines';
import { runWidth, trainDoc, type WidthResult } from '../train-round';

const status = document.getElementById('status');
const log = (s: string) => {
  console.log(s);
  if (status) status.textContent += `\n${s}`;
};

const list = (v: string | null) =>
  v
    ? v
        .split(',')
        .filter((s) => s)
        .map(Number)
    : undefined;

/** jax-js on its own device from navigator.gpu: resolves to the label of the adapter it got. */
async function setUpJaxjs(): Promise<string> {
  const gpu = navigator.gpu;
  const request = gpu.requestAdapter.bind(gpu);
  let label: string | undefined;
  Object.defineProperty(gpu, 'requestAdapter', {
    configurable: true,
    value: async (options?: GPURequestAdapterOptions) => {
      const adapter = await request(options);
      if (adapter) label = adapterLabel(summarizeAdapter(adapter));
      return adapter && probeAdapter(adapter);
    },
  });
  const devices = await init('webgpu');
  if (!devices.includes('webgpu') || !label) throw new Error('jax-js found no WebGPU adapter');
  defaultDevice('webgpu');
  return label;
}

async function run() {
  const q = new URLSearchParams(location.search);
  const plan: TrainPlan = {
    quick: q.get('quick') === '1',
    widths: list(q.get('widths')),
    stacks: list(q.get('stacks')),
  };
  const started = new Date();
  const t0 = performance.now();
  const ctx = await acquireBrowserGpu();
  const adapter = adapterLabel(ctx.adapter);
  log(`adapter: ${adapter}`);
  const notes: Record<string, string> = {};
  let tfjs = false;
  if (q.get('tfjs') !== '0') {
    try {
      await useTfjsWebgpu(ctx);
      tfjs = true;
    } catch (e) {
      notes.tfjsSkipped = `TF.js unavailable: ${String(e)}`;
    }
  } else notes.tfjsSkipped = 'skipped (--no-tfjs)';
  let jaxjsAdapter: string | null = null;
  if (q.get('jaxjs') !== '0') {
    try {
      jaxjsAdapter = await setUpJaxjs();
      if (jaxjsAdapter !== adapter) {
        throw new Error(`jax-js is on ${jaxjsAdapter}, our engine on ${adapter}`);
      }
    } catch (e) {
      notes.jaxjsSkipped = `jax-js unavailable: ${String(e)}`;
      jaxjsAdapter = null;
    }
  } else notes.jaxjsSkipped = 'skipped (--no-jaxjs)';
  for (const note of Object.values(notes)) log(note);

  const policy = policyOf(plan);
  const timer = createTimer(ctx);
  const counter = tfjs ? countTfjsPrograms() : null;
  const results: WidthResult[] = [];
  try {
    for (const width of widthsOf(plan)) {
      log(`width ${width}...`);
      results.push(
        await runWidth({
          ctx,
          width,
          stacks: stacksOf(plan, width, ctx.adapter.isFallback),
          policy,
          tfjs,
          tfjsPrograms: () => counter?.count() ?? null,
          jaxjs: jaxjsAdapter !== null,
          timer,
          breakdownReps: ctx.adapter.isFallback ? 1 : 5,
        }),
      );
    }
  } finally {
    counter?.restore();
    timer.destroy();
    if (tfjs) tf.removeBackend('webgpu');
    releaseGpu(ctx);
  }
  log('done');
  return {
    host: 'browser',
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    startedAt: started.toISOString(),
    seconds: (performance.now() - t0) / 1e3,
    adapter,
    adapterInfo: ctx.adapter,
    features: ctx.features,
    tfjsVersion: tfjs ? `tfjs-core ${tf.version_core}` : null,
    jaxjsAdapter,
    ...notes,
    ...trainDoc(results, { quick: plan.quick, policy, breakdownTiming: timer.method }),
  };
}

declare global {
  interface Window {
    __trainBench?: Promise<unknown>;
  }
}

window.__trainBench = run().catch((e: unknown) => {
  log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return { error: e instanceof Error ? e.message : String(e) };
});
