/** Starts the GPU worker and routes its messages into the store. */
import { useLab } from './store';
import type { FromWorker, ToWorker } from './worker/protocol';

let worker: Worker | undefined;

function send(message: ToWorker): void {
  worker?.postMessage(message);
}

function onMessage(message: FromWorker): void {
  const lab = useLab.getState();
  switch (message.type) {
    case 'ready':
      lab.setGpu({
        state: 'ready',
        adapter: message.adapter,
        features: message.features,
        limits: message.limits,
      });
      lab.selfTestStarted();
      send({ type: 'selftest' });
      break;
    case 'unavailable':
      lab.setGpu({ state: 'unavailable', reason: message.reason, message: message.message });
      break;
    case 'selftest-result':
      lab.selfTestResult(message.result);
      break;
    case 'selftest-done':
      lab.selfTestDone();
      break;
    case 'device-lost':
      lab.setGpu({ state: 'lost', message: message.message });
      break;
    case 'error':
      lab.setGpu({ state: 'error', message: message.message });
      lab.selfTestDone();
      break;
  }
}

export function startGpuWorker(): void {
  if (worker) return;
  // Without navigator.gpu there is nothing for the worker to do: say so at once.
  if (!('gpu' in navigator)) {
    useLab.getState().setGpu({
      state: 'unavailable',
      reason: 'no-api',
      message: 'This browser does not expose WebGPU (navigator.gpu is missing).',
    });
    return;
  }
  worker = new Worker(new URL('./worker/gpu.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) =>
    useLab
      .getState()
      .setGpu({ state: 'error', message: e.message || 'The GPU worker failed to start.' });
  send({ type: 'init' });
}

export function rerunSelfTest(): void {
  useLab.getState().selfTestStarted();
  send({ type: 'selftest' });
}
