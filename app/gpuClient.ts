/** Starts the GPU worker, routes its messages into the store, and sends the page's requests. */
import { adapterLabel } from '../src/gpu/adapter';
import { dataProblem, runCount, type SweepConfig } from '../src/sweep/config';
import type { RunRecord, RunSpec } from '../src/sweep/types';
import type { CoordRecord } from '../src/sweep/coord';
import type { GpuBenchResult } from '../src/benchmark/benchResult';
import { mergeRates, sweepRates } from './lib/estimate';
import {
  runTimed,
  timingPaused,
  timingStarted,
  timingStopped,
  timingUnpaused,
  wallSeconds,
} from './sweeps/wallClock';
import { useLab, type ProgressBatch } from './store';
import type { ErrorScope, FromWorker, RunProgress, ToWorker } from './worker/protocol';

let worker: Worker | undefined;
let selfTestStarted = false;
let dataRequest = 0;
let taskRequest = 0;

interface Task {
  onProgress?: (progress: RunProgress[]) => void;
  onBenchProgress?: (p: { done: number; total: number; label: string }) => void;
  onRunDone?: (record: RunRecord) => void;
  resolve(value: unknown): void;
  reject(error: Error): void;
}
const tasks = new Map<number, Task>();

function send(message: ToWorker): void {
  worker?.postMessage(message);
}

/** The sweep's step rates so far, merged into this adapter's measured rates. */
function recordMeasurement(): void {
  const s = useLab.getState();
  if (s.gpu.state !== 'ready' || !s.sweep.config || s.sweep.vocab === null) return;
  const rates = sweepRates(s.sweep.config, s.sweep.records, s.sweep.vocab, wallSeconds());
  if (rates.length === 0) return;
  const adapter = adapterLabel(s.gpu.adapter);
  const old = s.measured?.adapter === adapter ? s.measured.rates : [];
  s.setMeasured({ adapter, rates: mergeRates(old, rates) });
}

function settle(requestId: number, value: unknown, error?: string): void {
  const task = tasks.get(requestId);
  if (!task) return;
  tasks.delete(requestId);
  if (error !== undefined) task.reject(new Error(error));
  else task.resolve(value);
}

/**
 * Progress, finished grid runs and throughput wait here and reach the store together, at most
 * every FLUSH_MS: a fast GPU finishing runs by the hundred costs the page a few updates a
 * second, not one per message. Any other message flushes first, so the order is kept.
 */
export const FLUSH_MS = 250;
const pending: ProgressBatch = { started: null, progress: [], done: [], tokensPerSec: null };
let flushTimer: ReturnType<typeof setTimeout> | undefined;

function flush(): void {
  if (flushTimer !== undefined) clearTimeout(flushTimer);
  flushTimer = undefined;
  const empty =
    pending.started === null &&
    pending.progress.length === 0 &&
    pending.done.length === 0 &&
    pending.tokensPerSec === null;
  if (empty) return;
  const batch = { ...pending };
  pending.started = null;
  pending.progress = [];
  pending.done = [];
  pending.tokensPerSec = null;
  useLab.getState().progressBatch(batch);
  if (batch.done.length > 0) recordMeasurement();
}

function later(): void {
  flushTimer ??= setTimeout(flush, FLUSH_MS);
}

/** Routes one worker message; the batched kinds are buffered (see flush). */
export function onMessage(message: FromWorker): void {
  switch (message.type) {
    case 'runs-start':
      // A new stack replaces the curves in flight: earlier progress is moot.
      pending.started = message.runs;
      pending.progress = [];
      return later();
    case 'progress':
      for (const p of message.progress) pending.progress.push(p);
      return later();
    case 'run-done':
      if (message.part === 'horizon') break;
      // Timed on arrival, not at the flush: the step rates come from these wall-clock times.
      runTimed(message.record.id);
      pending.done.push(message.record);
      return later();
    case 'throughput':
      pending.tokensPerSec = message.tokensPerSec;
      return later();
    case 'train-one-progress':
    case 'gpu-bench-progress':
    case 'tune-progress':
      break;
    default:
      flush();
  }
  route(message);
}

function route(message: FromWorker): void {
  const lab = useLab.getState();
  switch (message.type) {
    case 'ready':
      lab.setGpu({
        state: 'ready',
        adapter: message.adapter,
        features: message.features,
        limits: message.limits,
      });
      if (!selfTestStarted) {
        selfTestStarted = true;
        rerunSelfTest();
      }
      break;
    case 'unavailable':
      lab.setGpu({ state: 'unavailable', reason: message.reason, message: message.message });
      timingStopped();
      lab.sweepInterrupted(message.message);
      break;
    case 'selftest-result':
      lab.selfTestResult(message.result);
      break;
    case 'selftest-done':
      lab.selfTestDone();
      break;
    case 'tune-progress':
      lab.tuneProgress(message.progress);
      break;
    case 'tune-done':
      lab.tuneDone(message.record, message.fromCache);
      break;
    case 'device-lost':
      lab.setGpu({ state: 'lost', message: message.message });
      timingStopped();
      lab.selfTestInterrupted();
      lab.sweepInterrupted(
        `The GPU device was lost: ${message.message}. Press Resume to get a new device and continue from the last finished run.`,
      );
      lab.horizonFinished(
        `The GPU device was lost: ${message.message}. The finished runs are kept; train the rest on a new device.`,
      );
      for (const id of [...tasks.keys()]) settle(id, undefined, 'The GPU device was lost.');
      break;
    case 'error':
      routeError(message.scope, message.message);
      break;
    case 'data-ready':
      if (message.requestId === dataRequest) {
        lab.setData({
          state: 'ready',
          vocab: message.vocab,
          tokens: message.tokens,
          description: message.description,
        });
      }
      break;
    case 'run-done':
      // Grid runs come through flush(); a horizon run is one at a time.
      if (message.part === 'horizon') lab.horizonRunDone(message.record);
      break;
    case 'paused':
      lab.sweepHeld();
      break;
    case 'sweep-finished':
      if (message.part === 'horizon') lab.horizonFinished(null);
      else {
        timingStopped();
        lab.sweepFinished(message.outcome);
      }
      break;
    case 'train-one-progress':
      tasks.get(message.requestId)?.onProgress?.(message.progress);
      break;
    case 'train-one-done':
      settle(message.requestId, message.record);
      break;
    case 'verify-run-done':
      tasks.get(message.requestId)?.onRunDone?.(message.record);
      break;
    case 'verify-done':
      settle(message.requestId, message.outcome);
      break;
    case 'coord-done':
      settle(message.requestId, message.records);
      break;
    case 'gpu-bench-progress':
      tasks.get(message.requestId)?.onBenchProgress?.(message);
      break;
    case 'gpu-bench-done':
      settle(message.requestId, message.result);
      break;
    case 'runs-start':
    case 'progress':
    case 'throughput':
      break; // batched: onMessage buffers them and flush() hands them to the store
    default:
      unknownMessage(message);
  }
}

/** Ends what a worker error is about (see ErrorScope) and says why. */
function routeError(scope: ErrorScope, message: string): void {
  const lab = useLab.getState();
  switch (scope.kind) {
    case 'task':
      return settle(scope.requestId, undefined, message);
    case 'data':
      if (scope.requestId === dataRequest) lab.setData({ state: 'error', message });
      return;
    case 'sweep':
      if (scope.part === 'horizon')
        return lab.horizonFinished(`The horizon runs stopped: ${message}`);
      timingStopped();
      return lab.sweepInterrupted(`The sweep stopped: ${message}`);
    case 'tune':
      // Tuning could not run or its cache was ignored; the choices in force stay.
      return lab.tuneMessage(message);
    case 'worker':
      if (lab.gpu.state === 'starting') lab.setGpu({ state: 'error', message });
      else lab.setNotice(message);
      return lab.selfTestDone();
    default:
      return unknownMessage(scope);
  }
}

/** A message of a worker of another version: a notice, never a silent drop. */
function unknownMessage(message: never): void {
  useLab.getState().setNotice(`Unknown message from the GPU worker: ${JSON.stringify(message)}`);
}

/** Asks the worker to tokenise the config's data; the latest request wins. */
function requestData(): void {
  const { config } = useLab.getState();
  dataRequest++;
  useLab.getState().setData({ state: 'pending' });
  // An invalid size or context has its message at its field; the worker is not asked (a
  // corpus of 1e308 characters would occupy it for good).
  if (dataProblem(config.data, config.model.context) !== undefined) return;
  send({
    type: 'prepare-data',
    requestId: dataRequest,
    data: config.data,
    context: config.model.context,
  });
}

/** Same data and context: a new object with the same values (e.g. a preset) needs no work. */
function sameData(a: SweepConfig, b: SweepConfig): boolean {
  const x = a.data;
  const y = b.data;
  if (a.model.context !== b.model.context) return false;
  if (x.kind === 'synthetic' && y.kind === 'synthetic') {
    return x.seed === y.seed && x.size === y.size;
  }
  if (x.kind === 'shakespeare' || y.kind === 'shakespeare') return x.kind === y.kind;
  return x.kind === 'text' && y.kind === 'text' && x.name === y.name && x.text === y.text;
}

function watchData(): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  useLab.subscribe((s, prev) => {
    if (s.config === prev.config || sameData(s.config, prev.config)) return;
    // Until the worker answers, the vocabulary (and so the validation) is not known.
    if (s.data.state !== 'pending') s.setData({ state: 'pending' });
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(requestData, 250);
  });
}

export function startGpuWorker(): void {
  if (worker) return;
  // Without navigator.gpu there is nothing for the worker to do: say so at once.
  if (!('gpu' in navigator) || !navigator.gpu) {
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
  requestData();
  watchData();
  if (new URLSearchParams(location.search).has('test-hooks')) {
    (window as unknown as { __mupLab: object }).__mupLab = {
      loseDevice: () => send({ type: 'debug-lose-device' }),
      // The UI benchmark's fast GPU: finished runs injected where the worker's messages arrive.
      flood: (runsPerSecond?: number, seconds?: number) =>
        import('./testFlood').then((m) => m.flood(onMessage, runsPerSecond, seconds)),
    };
  }
}

export function rerunSelfTest(): void {
  useLab.getState().selfTestStarted();
  send({ type: 'selftest' });
}

/** Times the kernel variants again on the form's config, replacing this adapter's cached choice. */
export function retuneKernels(): void {
  const { config } = useLab.getState();
  useLab.getState().tuneProgress({ done: 0, total: 0, current: 'collecting shapes' });
  send({ type: 'retune', config });
}

/** Starts the form's config as a new sweep (a new entry of the Sweeps list: the one before stays). */
export function runSweep(config: SweepConfig): void {
  const { data } = useLab.getState();
  if (data.state !== 'ready' || refusedWhileVerifying()) return;
  timingStarted(true);
  useLab.getState().sweepStarted(config, runCount(config), data.vocab);
  send({ type: 'start-sweep', config, done: [], part: 'grid' });
}

export function pauseSweep(): void {
  useLab.getState().sweepPaused();
  timingPaused();
  send({ type: 'pause' });
}

/** Unpauses, or continues an interrupted sweep after its finished runs (a new device if needed). */
export function resumeSweep(): void {
  const { sweep } = useLab.getState();
  if (sweep.status === 'paused') {
    useLab.getState().sweepUnpaused();
    timingUnpaused();
    send({ type: 'resume' });
  } else if (sweep.status === 'interrupted' && sweep.config) {
    if (refusedWhileVerifying()) return;
    timingStarted(false);
    useLab.getState().sweepResumed();
    send({ type: 'start-sweep', config: sweep.config, done: sweep.records, part: 'grid' });
  }
}

/** Trains the horizon runs of the shown cosine sweep that have not finished yet. */
export function trainHorizonRuns(): void {
  const { sweep, horizon } = useLab.getState();
  if (!sweep.config || horizon.status !== 'idle' || refusedWhileVerifying()) return;
  useLab.getState().horizonStarted();
  send({ type: 'start-sweep', config: sweep.config, done: sweep.horizonRuns, part: 'horizon' });
}

/** Stops the horizon runs at the next step (the finished ones are kept). */
export function cancelHorizonRuns(): void {
  useLab.getState().horizonStopping();
  send({ type: 'cancel' });
}

export function cancelSweep(): void {
  const { sweep } = useLab.getState();
  if (sweep.status === 'interrupted') {
    useLab.getState().sweepFinished('cancelled');
    return;
  }
  useLab.getState().sweepStopping();
  send({ type: 'cancel' });
}

function task<T>(message: ToWorker & { requestId: number }, onProgress?: Task['onProgress']) {
  return new Promise<T>((resolve, reject) => {
    tasks.set(message.requestId, { onProgress, resolve: (v) => resolve(v as T), reject });
    send(message);
  });
}

/** Trains one extra run in the worker (e.g. a target width with transferred hyperparameters). */
export function trainOneRun(
  config: SweepConfig,
  spec: Omit<RunSpec, 'id'>,
  onProgress?: (progress: RunProgress[]) => void,
): Promise<RunRecord> {
  return task<RunRecord>({ type: 'train-one', requestId: ++taskRequest, config, spec }, onProgress);
}

/** A verification is training: the worker runs one sweep at a time. */
let verifying = false;

/** While a verification trains, a sweep is refused with a notice (and no new Sweeps entry). */
function refusedWhileVerifying(): boolean {
  if (verifying) {
    useLab.getState().setNotice('A verification is running: cancel it or let it finish first.');
  }
  return verifying;
}

/**
 * Trains a verification's runs (src/sweep/verify.ts) in the worker: progress of the stack in
 * flight, each finished run, and how it ended; cancelVerification() stops it between stacks.
 */
export function runVerification(
  config: SweepConfig,
  runs: RunSpec[],
  onProgress: (progress: RunProgress[]) => void,
  onRunDone: (record: RunRecord) => void,
): Promise<'completed' | 'cancelled'> {
  const requestId = ++taskRequest;
  verifying = true;
  return new Promise<'completed' | 'cancelled'>((resolve, reject) => {
    tasks.set(requestId, {
      onProgress,
      onRunDone,
      resolve: (v) => resolve(v as 'completed' | 'cancelled'),
      reject,
    });
    send({ type: 'verify', requestId, config, runs });
  }).finally(() => {
    verifying = false;
  });
}

export function cancelVerification(): void {
  send({ type: 'verify-cancel' });
}

/** "Benchmark this GPU" in the worker; cancelGpuBench() makes it reject before the next measurement. */
export function runGpuBench(
  opts: { matmulSizes: number[]; trainWidths: number[]; trainSteps: number },
  onProgress: (p: { done: number; total: number; label: string }) => void,
): Promise<GpuBenchResult> {
  const requestId = ++taskRequest;
  return new Promise<GpuBenchResult>((resolve, reject) => {
    tasks.set(requestId, {
      onBenchProgress: onProgress,
      resolve: (v) => resolve(v as GpuBenchResult),
      reject,
    });
    send({ type: 'gpu-bench', requestId, ...opts });
  });
}

export function cancelGpuBench(): void {
  send({ type: 'gpu-bench-cancel' });
}

/** Runs the coordinate check in the worker. */
export function runCoordCheck(
  config: SweepConfig,
  opts: { widths: number[]; depths?: number[]; steps: number; seed?: number },
): Promise<CoordRecord[]> {
  return task<CoordRecord[]>({ type: 'coord-check', requestId: ++taskRequest, config, ...opts });
}
