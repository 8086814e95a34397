/// <reference lib="webworker" />
/** The Web Worker that owns the GPU device and runs the engine, so the page never freezes. */
import { acquireBrowserGpu } from '../../src/gpu/browser';
import { WebGpuUnavailableError, type GpuContext } from '../../src/gpu';
import { runSelfTests } from '../../src/ops/selftest';
import type { FromWorker, ToWorker } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let ctx: GpuContext | undefined;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

async function init(): Promise<void> {
  try {
    ctx = await acquireBrowserGpu({
      onDeviceLost: (e) => {
        ctx = undefined;
        post({ type: 'device-lost', message: e.message });
      },
    });
    post({ type: 'ready', adapter: ctx.adapter, features: ctx.features, limits: ctx.limits });
  } catch (e) {
    if (e instanceof WebGpuUnavailableError) {
      post({ type: 'unavailable', reason: e.reason, message: e.message });
    } else {
      post({ type: 'error', message: (e as Error).message });
    }
  }
}

async function selfTest(): Promise<void> {
  if (!ctx) {
    post({ type: 'error', message: 'No GPU device: the self-test cannot run.' });
    return;
  }
  const results = await runSelfTests(ctx, (result) => post({ type: 'selftest-result', result }));
  post({ type: 'selftest-done', results });
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  const work = message.type === 'init' ? init() : selfTest();
  work.catch((e: unknown) => post({ type: 'error', message: (e as Error).message }));
};
