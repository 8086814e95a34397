/// <reference lib="webworker" />
/** The Web Worker that owns the GPU device and runs the engine, so the page never freezes. */
import { acquireBrowserGpu } from '../../src/gpu/browser';
import { GpuKernelError, WebGpuUnavailableError, type GpuContext } from '../../src/gpu';
import { runSelfTests } from '../../src/ops/selftest';
import { prepareData } from '../../src/sweep/data';
import type { DataConfig } from '../../src/sweep/config';
import { acceptShakespeare, shakespeareLoaded, toHex } from '../../src/data/shakespeare';
// Emitted as a same-origin static asset (never inlined in a bundle): fetched when chosen.
import shakespeareUrl from '../../src/data/corpora/tinyshakespeare.txt?url';
import {
  startSweep,
  trainOne,
  type SweepCallbacks,
  type SweepHandle,
} from '../../src/sweep/scheduler';
import { coordCheck } from '../../src/sweep/coord';
import { benchmarkGpu } from '../../src/benchmark/gpuBench';
import { startPart, tuneForSweep } from '../../src/sweep/session';
import { dataProblem, type SweepConfig } from '../../src/sweep/config';
import type { PreparedData } from '../../src/sweep/data';
import { loadTuneRecord, tunedContext } from '../../src/tune/cache';
import { clearJournal, journalRun, sweepKey } from '../runJournal';
import { idbTuneStore } from '../tuneStore';
import type { ErrorScope, FromWorker, ToWorker } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
let ctx: GpuContext | undefined;
let acquiring: Promise<GpuContext | undefined> | undefined;
let sweep: SweepHandle | undefined;
/** The verification in flight (src/sweep/verify.ts), apart from the sweep. */
let verification: SweepHandle | undefined;
/** Set while a sweep's kernels are tuned, before its handle exists: pause or cancel asked meanwhile. */
let beforeStart: { pause: boolean; cancel: boolean } | undefined;
/** Bumped when the device is lost: callbacks of an older sweep are dropped. */
let generation = 0;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

/** Reports a failure (an error, or a message already in words) on the one error channel. */
function fail(about: ErrorScope, e: unknown): void {
  post({ type: 'error', scope: about, message: typeof e === 'string' ? e : describe(e) });
}

/** An error in words a user can act on. */
function describe(e: unknown): string {
  if (e instanceof GpuKernelError && e.kind === 'out-of-memory') {
    return `The GPU ran out of memory (in ${e.kernel}). Try smaller widths, a smaller batch or a shorter context.`;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

function deviceLost(message: string): void {
  ctx = undefined;
  sweep = undefined;
  verification = undefined;
  generation++;
  post({ type: 'device-lost', message });
}

/** The device, acquired on first use and again after a loss. Posts 'ready' or why not. */
function device(): Promise<GpuContext | undefined> {
  if (ctx) return Promise.resolve(ctx);
  acquiring ??= acquireBrowserGpu({
    onDeviceLost: (e) => {
      const detail = e.message.replace(/^GPU device lost \([^)]*\): /, '');
      deviceLost(`${detail} (reason: ${e.reason})`);
    },
  })
    .then((acquired) => {
      ctx = acquired;
      post({
        type: 'ready',
        adapter: acquired.adapter,
        features: acquired.features,
        limits: acquired.limits,
      });
      return acquired;
    })
    .catch((e: unknown) => {
      if (e instanceof WebGpuUnavailableError) {
        post({ type: 'unavailable', reason: e.reason, message: e.message });
      } else {
        fail({ kind: 'worker' }, e);
      }
      return undefined;
    })
    .finally(() => {
      acquiring = undefined;
    });
  return acquiring;
}

async function selfTest(): Promise<void> {
  const gpu = await device();
  if (!gpu) return;
  // Results of a device lost meanwhile say nothing about the kernels: drop them.
  const mine = generation;
  const results = await runSelfTests(gpu, (result) => {
    if (mine === generation) post({ type: 'selftest-result', result });
  });
  if (mine === generation) post({ type: 'selftest-done', results });
  // A tuning cached on an earlier visit applies from now on (nothing is timed).
  const cached = await loadTuneRecord(gpu, idbTuneStore, (message) =>
    fail({ kind: 'tune' }, message),
  );
  if (cached && mine === generation) {
    ctx = tunedContext(gpu, cached);
    post({ type: 'tune-done', record: cached, fromCache: true });
  }
}

/** Tunes before a sweep (src/sweep/session.ts); the page hears of progress, choices and problems. */
async function tune(
  gpu: GpuContext,
  config: SweepConfig,
  data: PreparedData,
  force: boolean,
): Promise<void> {
  const tuned = await tuneForSweep(gpu, config, data.vocab, {
    store: idbTuneStore,
    force,
    onMessage: (message) => fail({ kind: 'tune' }, message),
    onProgress: (progress) => post({ type: 'tune-progress', progress }),
  });
  if (!tuned) return;
  // The sweeps that follow run on the context that carries the choices (unless the device was
  // lost and replaced meanwhile).
  if (ctx === gpu) ctx = tunedContext(gpu, tuned.record);
  post({ type: 'tune-done', ...tuned });
}

let shakespeare: Promise<void> | undefined;

/** Fetches and checks Tiny Shakespeare the first time a config needs it (a failure may retry). */
function loadBuiltInText(data: DataConfig): Promise<void> {
  if (data.kind !== 'shakespeare' || shakespeareLoaded()) return Promise.resolve();
  shakespeare ??= (async () => {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      const response = await fetch(shakespeareUrl);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      throw new Error(`Tiny Shakespeare could not be loaded (${describe(e)})`);
    }
    acceptShakespeare(bytes, toHex(await crypto.subtle.digest('SHA-256', bytes)));
  })().catch((e: unknown) => {
    shakespeare = undefined;
    throw e;
  });
  return shakespeare;
}

async function runRetune(config: SweepConfig): Promise<void> {
  if (sweep || beforeStart) {
    fail({ kind: 'tune' }, 'Re-tune waits until the sweep has finished.');
    return;
  }
  const gpu = await device();
  if (!gpu) return;
  let data: PreparedData;
  try {
    await loadBuiltInText(config.data);
    data = prepareData(config.data, config.model.context);
  } catch (e) {
    fail({ kind: 'tune' }, `Re-tune needs valid data: ${describe(e)}`);
    return;
  }
  await tune(gpu, config, data, true);
}

async function prepare(message: Extract<ToWorker, { type: 'prepare-data' }>): Promise<void> {
  try {
    // The page asks only for valid data; this is the last guard (a huge size would hang here).
    const problem = dataProblem(message.data, message.context);
    if (problem !== undefined) throw new Error(problem);
    await loadBuiltInText(message.data);
    const data = prepareData(message.data, message.context);
    post({
      type: 'data-ready',
      requestId: message.requestId,
      vocab: data.vocab,
      tokens: data.train.length + data.val.length,
      description: data.description,
    });
  } catch (e) {
    fail({ kind: 'data', requestId: message.requestId }, e);
  }
}

/** Trains a sweep's grid, or its horizon runs: one at a time, pausable and cancellable. */
async function runSweep(message: Extract<ToWorker, { type: 'start-sweep' }>): Promise<void> {
  const { part } = message;
  if (sweep || beforeStart) {
    fail({ kind: 'sweep', part }, 'A sweep is already running.');
    return;
  }
  if (verification) {
    fail({ kind: 'sweep', part }, 'A verification is running: cancel it or wait for it first.');
    return;
  }
  const gpu = await device();
  if (!gpu) {
    fail({ kind: 'sweep', part }, 'No GPU device is available to run the sweep.');
    return;
  }
  const mine = generation;
  const live = () => mine === generation;
  // Each finished run is journalled in IndexedDB before the page hears of it, in order.
  const key = sweepKey(message.config);
  let journalled: Promise<unknown> =
    part === 'grid' && message.done.length === 0
      ? clearJournal().catch(() => undefined)
      : Promise.resolve();
  // The live curves and runs in flight are the grid's (the horizon view shows its own count).
  const grid = part === 'grid';
  const callbacks: SweepCallbacks = {
    onRunsStart: (runs) => grid && live() && post({ type: 'runs-start', runs }),
    onProgress: (progress) => grid && live() && post({ type: 'progress', progress }),
    onRunDone: (record) => {
      journalled = journalled
        .then(() => journalRun(key, record, part))
        // Without IndexedDB (private windows) the page's own autosave is all there is.
        .catch(() => undefined)
        .then(() => live() && post({ type: 'run-done', record, part }));
    },
    onThroughput: (tokensPerSec) => live() && post({ type: 'throughput', tokensPerSec }),
  };
  let handle: SweepHandle;
  try {
    // Pause and cancel that arrive while the text loads or the kernels are tuned apply once the
    // sweep exists.
    beforeStart = { pause: false, cancel: false };
    await loadBuiltInText(message.config.data);
    const data = prepareData(message.config.data, message.config.model.context);
    await tune(gpu, message.config, data, false);
    const requested = beforeStart;
    beforeStart = undefined;
    if (!live()) return;
    if (requested.cancel) {
      await journalled;
      post({ type: 'sweep-finished', outcome: 'cancelled', part });
      return;
    }
    handle = startPart(gpu, message.config, part, { data, done: message.done, callbacks });
    sweep = handle;
    // confirmPause says 'paused' only for the current sweep: set it first.
    if (requested.pause) void confirmPause(handle);
  } catch (e) {
    beforeStart = undefined;
    fail({ kind: 'sweep', part }, e);
    return;
  }
  try {
    const outcome = await handle.finished;
    await journalled;
    if (live()) post({ type: 'sweep-finished', outcome, part });
  } catch (e) {
    await journalled;
    if (live()) fail({ kind: 'sweep', part }, e);
  } finally {
    if (sweep === handle) sweep = undefined;
  }
}

async function runOne(message: Extract<ToWorker, { type: 'train-one' }>): Promise<void> {
  const gpu = await device();
  if (!gpu) throw new Error('No GPU device is available.');
  const { requestId } = message;
  await loadBuiltInText(message.config.data);
  const record = await trainOne(gpu, message.config, message.spec, {
    onProgress: (progress) => post({ type: 'train-one-progress', requestId, progress }),
  });
  post({ type: 'train-one-done', requestId, record });
}

/** Trains a verification's runs with the sweep's scheduler (stacked LRs), cancellable. */
async function runVerify(message: Extract<ToWorker, { type: 'verify' }>): Promise<void> {
  if (sweep || beforeStart || verification) throw new Error('Another sweep is running.');
  const gpu = await device();
  if (!gpu) throw new Error('No GPU device is available.');
  const { requestId } = message;
  const mine = generation;
  const live = () => mine === generation;
  const data = prepareData(message.config.data, message.config.model.context);
  const handle = startSweep(gpu, message.config, {
    data,
    runs: message.runs,
    callbacks: {
      onProgress: (progress) => live() && post({ type: 'train-one-progress', requestId, progress }),
      onRunDone: (record) => live() && post({ type: 'verify-run-done', requestId, record }),
    },
  });
  verification = handle;
  try {
    const outcome = await handle.finished;
    if (live()) post({ type: 'verify-done', requestId, outcome });
  } finally {
    if (verification === handle) verification = undefined;
  }
}

async function runCoordCheck(message: Extract<ToWorker, { type: 'coord-check' }>): Promise<void> {
  const gpu = await device();
  if (!gpu) throw new Error('No GPU device is available.');
  await loadBuiltInText(message.config.data);
  const records = await coordCheck(gpu, message.config, {
    widths: message.widths,
    depths: message.depths,
    steps: message.steps,
    seed: message.seed,
  });
  post({ type: 'coord-done', requestId: message.requestId, records });
}

/**
 * The engine holds before its next step, but steps (and a loss read-back) already queued on
 * the GPU still run: say 'paused' once the queue has drained and stayed drained.
 */
async function confirmPause(handle: SweepHandle): Promise<void> {
  handle.pause();
  for (let round = 0; round < 3; round++) {
    const gpu = ctx;
    if (!gpu || sweep !== handle || !handle.paused) return;
    await gpu.device.queue.onSubmittedWorkDone();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (sweep === handle && handle.paused) post({ type: 'paused' });
}

let gpuBenchAbort: AbortController | undefined;

async function runGpuBench(message: Extract<ToWorker, { type: 'gpu-bench' }>): Promise<void> {
  if (sweep) throw new Error('The benchmark waits until the sweep has finished.');
  const gpu = await device();
  if (!gpu) throw new Error('No GPU device is available.');
  const { requestId } = message;
  gpuBenchAbort = new AbortController();
  try {
    const result = await benchmarkGpu(gpu, {
      matmulSizes: message.matmulSizes,
      trainWidths: message.trainWidths,
      trainSteps: message.trainSteps,
      signal: gpuBenchAbort.signal,
      onProgress: (done, total, label) =>
        post({ type: 'gpu-bench-progress', requestId, done, total, label }),
    });
    post({ type: 'gpu-bench-done', requestId, result });
  } finally {
    gpuBenchAbort = undefined;
  }
}

function loseDevice(): void {
  if (!ctx) return;
  const lost = ctx;
  // destroy() does not call onDeviceLost (it is not an accident): report it as one.
  deviceLost('destroyed on purpose by a test');
  lost.device.destroy();
}

function handle(message: ToWorker): Promise<unknown> | void {
  switch (message.type) {
    case 'init':
      return device();
    case 'selftest':
      return selfTest();
    case 'prepare-data':
      return prepare(message);
    case 'start-sweep':
      return runSweep(message);
    case 'pause':
      if (beforeStart) beforeStart.pause = true;
      return sweep ? confirmPause(sweep) : undefined;
    case 'resume':
      if (beforeStart) beforeStart.pause = false;
      return sweep?.resume();
    case 'cancel':
      if (beforeStart) beforeStart.cancel = true;
      return sweep?.cancel();
    case 'train-one':
      return runOne(message).catch((e: unknown) =>
        fail({ kind: 'task', requestId: message.requestId }, e),
      );
    case 'verify':
      return runVerify(message).catch((e: unknown) =>
        fail({ kind: 'task', requestId: message.requestId }, e),
      );
    case 'verify-cancel':
      return verification?.cancel();
    case 'coord-check':
      return runCoordCheck(message).catch((e: unknown) =>
        fail({ kind: 'task', requestId: message.requestId }, e),
      );
    case 'gpu-bench':
      return runGpuBench(message).catch((e: unknown) =>
        fail({ kind: 'task', requestId: message.requestId }, e),
      );
    case 'gpu-bench-cancel':
      return gpuBenchAbort?.abort();
    case 'retune':
      return runRetune(message.config);
    case 'debug-lose-device':
      return loseDevice();
    default:
      return unknownMessage(message);
  }
}

/** A message this worker does not know (a page of another version): said, not ignored. */
function unknownMessage(message: never): void {
  fail({ kind: 'worker' }, `Unknown message to the GPU worker: ${JSON.stringify(message)}`);
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  Promise.resolve()
    .then(() => handle(event.data))
    .catch((e: unknown) => fail({ kind: 'worker' }, e));
};
