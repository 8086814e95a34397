/**
 * The lab's state (zustand). The worker's messages are the only way GPU facts and results get
 * in; gpuClient.ts turns them into the actions below. Pure state: no worker, no IndexedDB here.
 */
import { create } from 'zustand';
import type { AdapterSummary, GpuFeatures, GpuLimits } from '../src/gpu/device';
import type { SelfTestResult } from '../src/ops/selftest';
import type { TuneRecord } from '../src/tune/cache';
import type { TuneProgress } from '../src/tune/tuner';
import { preset, runCount, type PresetName, type SweepConfig } from '../src/sweep/config';
import type { RunRecord, RunSpec } from '../src/sweep/types';
import type { LossMetric } from '../src/analysis/metric';
import { loadMetric, saveMetric } from './viewPrefs';
import type { Parametrization } from '../src/mup/rules';
import type { StepRate } from './lib/estimate';
import type { HorizonResult } from '../src/sweep/horizon';
import type { ChartModel } from './lib/results';
import type { RunProgress } from './worker/protocol';

export type GpuStatus =
  | { state: 'starting' }
  | { state: 'ready'; adapter: AdapterSummary; features: GpuFeatures; limits: GpuLimits }
  | { state: 'unavailable'; reason: 'no-api' | 'no-adapter' | 'no-device'; message: string }
  | { state: 'lost'; message: string }
  | { state: 'error'; message: string };

/** The tokenised data of the current config, as the worker reported it. */
export type DataStatus =
  | { state: 'pending' }
  | { state: 'ready'; vocab: number; tokens: number; description: string }
  | { state: 'error'; message: string };

/** The user's text file, as checked when it was opened. */
export interface TextFileInfo {
  name: string;
  bytes: number;
  chars: number;
  distinct: number;
}

/**
 * Where a sweep is. 'interrupted': stopped by a reload, a lost device or an error; Resume
 * continues after the finished runs. The saved state and the library check against this list.
 */
export const SWEEP_STATUSES = [
  'idle',
  'running',
  'paused',
  'completed',
  'cancelled',
  'interrupted',
] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

export interface SweepState {
  /** This sweep's entry in the Sweeps list (app/sweeps); null when there is no sweep. */
  id: string | null;
  status: SweepStatus;
  /** The config the results belong to (the form may have changed since). */
  config: SweepConfig | null;
  total: number;
  /** Vocabulary of the data the runs trained on. */
  vocab: number | null;
  records: RunRecord[];
  /** Extra runs at a target width with transferred hyperparameters (not part of the grid). */
  targetRuns: RunRecord[];
  /**
   * The horizon runs of a cosine sweep (src/sweep/horizon.ts): shorter training lengths at the
   * widest width, apart from the grid's records (never in the width analysis or its chart).
   */
  horizonRuns: RunRecord[];
  inFlight: RunSpec[];
  /** Loss curves of the runs in flight (the last stack stays after it finishes). */
  live: Record<string, RunProgress[]>;
  tokensPerSec: number | null;
  /** Why the sweep stopped, in words for the user. */
  message: string | null;
  /** Cancel was pressed; the worker has not confirmed yet. */
  stopping: boolean;
  /** Pause was pressed; steps already queued on the GPU are still finishing. */
  pausing: boolean;
}

/** The step rates measured on an adapter (a sweep's own runs, the GPU benchmark). */
/**
 * What the worker reported since the last flush (gpuClient batches it: one store update a few
 * times a second however fast runs finish).
 */
export interface ProgressBatch {
  /** The last stack started in the batch (it replaces the runs in flight and their curves). */
  started: RunSpec[] | null;
  /** Progress of the runs in flight since that start. */
  progress: RunProgress[];
  /** Finished grid runs, in order. */
  done: RunRecord[];
  tokensPerSec: number | null;
}

/**
 * The analysis of the shown results (fits and bootstraps), computed off the UI thread
 * (app/analysisClient.ts) and stamped with the records it belongs to.
 */
export interface AnalysisState {
  config: SweepConfig;
  records: RunRecord[];
  horizonRuns: RunRecord[];
  /** On the final training loss, and on the validation loss (the figures' metric choice). */
  charts: ChartModel[];
  valCharts: ChartModel[];
  horizon: HorizonResult;
}

export interface Measured {
  adapter: string;
  rates: StepRate[];
}

/** A new id for a sweep of the Sweeps list. */
export function newSweepId(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export const IDLE: SweepState = {
  id: null,
  status: 'idle',
  config: null,
  total: 0,
  vocab: null,
  records: [],
  targetRuns: [],
  horizonRuns: [],
  inFlight: [],
  live: {},
  tokensPerSec: null,
  message: null,
  stopping: false,
  pausing: false,
};

/** Training the horizon runs: not saved (a reload offers the runs still missing). */
export interface HorizonTraining {
  status: 'idle' | 'running' | 'stopping';
  /** Why the last horizon training stopped early, in words for the user. */
  message: string | null;
}

export interface TuningState {
  /** Set while variants are being timed. */
  progress: TuneProgress | null;
  record: TuneRecord | null;
  fromCache: boolean;
  message: string | null;
}

export interface LabState {
  gpu: GpuStatus;
  selfTest: { running: boolean; results: SelfTestResult[]; interrupted?: boolean };
  /** The kernel variants in force on this adapter (src/tune), and a tuning in progress. */
  tuning: TuningState;
  config: SweepConfig;
  presetName: PresetName | 'custom';
  /** Bumped when the whole config is replaced (preset, restore): the form starts afresh. */
  configVersion: number;
  textFile: TextFileInfo | null;
  data: DataStatus;
  sweep: SweepState;
  horizon: HorizonTraining;
  measured: Measured | null;
  /** A problem not tied to one field (worker failure), shown as an alert. */
  notice: string | null;
  /** The width the transfer table and "train this width" use (null: a default). */
  targetWidth: number | null;
  /** When the state was last written to IndexedDB, and how many finished runs it held. */
  saved: { at: number; runs: number } | null;
  /** The analysis of sweep.records (null before the first one arrives). */
  analysis: AnalysisState | null;
  /** The loss the figures plot and the export's optima are read on. */
  metric: LossMetric;
  /** A grid point whose runs the Runs view was asked to show (`seq` counts the requests). */
  runsFocus: {
    config: SweepConfig;
    parametrization: Parametrization;
    log2: number;
    seq: number;
  } | null;

  setGpu(status: GpuStatus): void;
  selfTestStarted(): void;
  selfTestResult(result: SelfTestResult): void;
  selfTestDone(): void;
  /** The device was lost during the self-test: its results so far mean nothing. */
  selfTestInterrupted(): void;
  tuneProgress(progress: TuneProgress): void;
  tuneDone(record: TuneRecord, fromCache: boolean): void;
  tuneMessage(message: string): void;

  editConfig(update: (c: SweepConfig) => SweepConfig): void;
  applyPreset(name: PresetName): void;
  /** The error boundary's way out: the default settings, the results and the GPU state kept. */
  resetSettings(): void;
  setText(file: TextFileInfo, text: string): void;
  /** The synthetic corpus (the default) or Tiny Shakespeare instead of the user's text. */
  useBuiltInCorpus(kind?: 'synthetic' | 'shakespeare'): void;
  setData(data: DataStatus): void;

  sweepStarted(config: SweepConfig, total: number, vocab: number): void;
  /** Results from an exported file: shown like a sweep's, resumable when unfinished. */
  importResults(
    config: SweepConfig,
    records: RunRecord[],
    vocab: number,
    name: string,
    horizonRuns?: RunRecord[],
    /** Runs beyond the grid at a target width: an imported verification's. */
    targetRuns?: RunRecord[],
  ): void;
  horizonStarted(): void;
  horizonRunDone(record: RunRecord): void;
  horizonStopping(): void;
  /** The horizon training ended: finished or cancelled (message null), or why it stopped. */
  horizonFinished(message: string | null): void;
  targetRunDone(record: RunRecord): void;
  setTargetWidth(width: number): void;
  sweepResumed(): void;
  sweepPaused(): void;
  /** The worker says the sweep is held: nothing more runs on the GPU. */
  sweepHeld(): void;
  sweepUnpaused(): void;
  sweepStopping(): void;
  runsStarted(runs: RunSpec[]): void;
  runProgress(progress: RunProgress[]): void;
  runDone(record: RunRecord): void;
  throughput(tokensPerSec: number): void;
  /** A batch of progress, finished runs and throughput, in one update. */
  progressBatch(batch: ProgressBatch): void;
  setAnalysis(analysis: AnalysisState): void;
  setMetric(metric: LossMetric): void;
  showRunsAt(config: SweepConfig, parametrization: Parametrization, log2: number): void;
  sweepFinished(outcome: 'completed' | 'cancelled'): void;
  sweepInterrupted(message: string): void;
  clearResults(): void;
  setMeasured(measured: Measured): void;
  setNotice(notice: string | null): void;
  setSaved(saved: { at: number; runs: number }): void;
  restore(
    saved: Partial<Pick<LabState, 'config' | 'presetName' | 'textFile' | 'measured'>> & {
      sweep?: Pick<
        SweepState,
        | 'id'
        | 'status'
        | 'config'
        | 'total'
        | 'vocab'
        | 'records'
        | 'targetRuns'
        | 'horizonRuns'
        | 'message'
      >;
    },
  ): void;
}

/**
 * The sweep after a batch: each live curve and the records copied once per batch (not once per
 * message), a finished run replacing an earlier record of the same id.
 */
const NO_BATCH: ProgressBatch = { started: null, progress: [], done: [], tokensPerSec: null };

function withBatch(sweep: SweepState, batch: ProgressBatch): SweepState {
  const { started, progress, done, tokensPerSec } = batch;
  let { live, records, inFlight } = sweep;
  if (started) {
    inFlight = started;
    live = Object.fromEntries(started.map((r) => [r.id, []]));
  }
  if (progress.length > 0) {
    const added = new Map<string, RunProgress[]>();
    for (const p of progress) {
      if (!Number.isFinite(p.loss)) continue;
      const list = added.get(p.id);
      if (list) list.push(p);
      else added.set(p.id, [p]);
    }
    if (added.size > 0) {
      live = { ...live };
      for (const [id, ps] of added) live[id] = [...(live[id] ?? []), ...ps];
    }
  }
  if (done.length > 0) {
    const last = new Map(done.map((r) => [r.id, r]));
    const kept = records.some((r) => last.has(r.id))
      ? records.filter((r) => !last.has(r.id))
      : records;
    records = [...kept, ...last.values()];
    inFlight = inFlight.some((r) => last.has(r.id))
      ? inFlight.filter((r) => !last.has(r.id))
      : inFlight;
  }
  return {
    ...sweep,
    live,
    records,
    inFlight,
    tokensPerSec: tokensPerSec ?? sweep.tokensPerSec,
  };
}

export const useLab = create<LabState>((set) => ({
  gpu: { state: 'starting' },
  selfTest: { running: false, results: [] },
  tuning: { progress: null, record: null, fromCache: false, message: null },
  config: preset('tiny'),
  presetName: 'tiny',
  configVersion: 0,
  textFile: null,
  data: { state: 'pending' },
  sweep: IDLE,
  horizon: { status: 'idle', message: null },
  measured: null,
  notice: null,
  targetWidth: null,
  saved: null,
  analysis: null,
  metric: loadMetric(),
  runsFocus: null,

  setGpu: (gpu) => set({ gpu }),
  selfTestStarted: () => set({ selfTest: { running: true, results: [] } }),
  selfTestResult: (result) =>
    set((s) => ({ selfTest: { ...s.selfTest, results: [...s.selfTest.results, result] } })),
  selfTestDone: () => set((s) => ({ selfTest: { ...s.selfTest, running: false } })),
  selfTestInterrupted: () =>
    set((s) =>
      s.selfTest.running ? { selfTest: { running: false, results: [], interrupted: true } } : {},
    ),

  tuneProgress: (progress) => set((s) => ({ tuning: { ...s.tuning, progress, message: null } })),
  tuneDone: (record, fromCache) =>
    set((s) => ({ tuning: { ...s.tuning, progress: null, record, fromCache } })),
  tuneMessage: (message) => set((s) => ({ tuning: { ...s.tuning, progress: null, message } })),

  editConfig: (update) => set((s) => ({ config: update(s.config), presetName: 'custom' })),
  applyPreset: (name) =>
    set((s) => {
      const next = preset(name);
      // A user's text stays: presets are about the model and the sweep.
      if (s.config.data.kind === 'text') next.data = s.config.data;
      return { config: next, presetName: name, configVersion: s.configVersion + 1 };
    }),
  resetSettings: () =>
    set((s) => ({
      config: preset('tiny'),
      presetName: 'tiny',
      textFile: null,
      targetWidth: null,
      configVersion: s.configVersion + 1,
    })),
  setText: (file, text) =>
    set((s) => ({
      config: { ...s.config, data: { kind: 'text', name: file.name, text } },
      textFile: file,
      presetName: 'custom',
    })),
  useBuiltInCorpus: (kind = 'synthetic') =>
    set((s) => ({
      config: {
        ...s.config,
        data: kind === 'shakespeare' ? { kind: 'shakespeare' } : preset('tiny').data,
      },
      textFile: null,
      presetName: 'custom',
    })),
  setData: (data) => set({ data }),

  // A new sweep or an import is a new entry of the Sweeps list: the one shown before stays there.
  sweepStarted: (config, total, vocab) =>
    set({ sweep: { ...IDLE, id: newSweepId(), status: 'running', config, total, vocab } }),
  importResults: (config, records, vocab, name, horizonRuns = [], targetRuns = []) =>
    set(() => {
      const total = runCount(config);
      const unfinished = records.length < total;
      const textMissing = config.data.kind === 'text' && config.data.text === '';
      // The form keeps the user's settings; the list's "Use settings" loads the imported ones.
      return {
        sweep: {
          ...IDLE,
          id: newSweepId(),
          status: unfinished ? 'interrupted' : 'completed',
          config,
          total,
          vocab,
          records,
          horizonRuns,
          targetRuns,
          message: unfinished
            ? `Imported ${name}: ${records.length} of ${total} runs had finished. ` +
              (textMissing
                ? `Resume needs the text "${config.data.kind === 'text' ? config.data.name : ''}", which exports do not include.`
                : 'Resume trains the rest.')
            : null,
        },
      };
    }),
  targetRunDone: (record) =>
    set((s) => ({
      sweep: {
        ...s.sweep,
        targetRuns: [...s.sweep.targetRuns.filter((r) => r.id !== record.id), record],
      },
    })),
  horizonStarted: () => set({ horizon: { status: 'running', message: null } }),
  horizonRunDone: (record) =>
    set((s) => ({
      sweep: {
        ...s.sweep,
        horizonRuns: [...s.sweep.horizonRuns.filter((r) => r.id !== record.id), record],
      },
    })),
  horizonStopping: () =>
    set((s) =>
      s.horizon.status === 'running' ? { horizon: { ...s.horizon, status: 'stopping' } } : {},
    ),
  horizonFinished: (message) =>
    set((s) => (s.horizon.status === 'idle' ? {} : { horizon: { status: 'idle', message } })),
  setTargetWidth: (targetWidth) => set({ targetWidth }),
  sweepResumed: () =>
    set((s) => ({
      sweep: { ...s.sweep, status: 'running', message: null, inFlight: [], stopping: false },
    })),
  sweepPaused: () => set((s) => ({ sweep: { ...s.sweep, status: 'paused', pausing: true } })),
  sweepHeld: () =>
    set((s) => (s.sweep.status === 'paused' ? { sweep: { ...s.sweep, pausing: false } } : {})),
  sweepUnpaused: () => set((s) => ({ sweep: { ...s.sweep, status: 'running', pausing: false } })),
  sweepStopping: () => set((s) => ({ sweep: { ...s.sweep, stopping: true } })),
  runsStarted: (runs) =>
    set((s) => ({
      sweep: {
        ...s.sweep,
        inFlight: runs,
        live: Object.fromEntries(runs.map((r) => [r.id, []])),
      },
    })),
  runProgress: (progress) => set((s) => ({ sweep: withBatch(s.sweep, { ...NO_BATCH, progress }) })),
  runDone: (record) => set((s) => ({ sweep: withBatch(s.sweep, { ...NO_BATCH, done: [record] }) })),
  throughput: (tokensPerSec) => set((s) => ({ sweep: { ...s.sweep, tokensPerSec } })),
  progressBatch: (batch) => set((s) => ({ sweep: withBatch(s.sweep, batch) })),
  setAnalysis: (analysis) => set({ analysis }),
  setMetric: (metric) => {
    saveMetric(metric);
    set({ metric });
  },
  showRunsAt: (config, parametrization, log2) =>
    set((s) => ({
      runsFocus: { config, parametrization, log2, seq: (s.runsFocus?.seq ?? 0) + 1 },
    })),
  sweepFinished: (outcome) =>
    set((s) => ({
      sweep: {
        ...s.sweep,
        status: outcome,
        inFlight: [],
        stopping: false,
        pausing: false,
        message: null,
      },
    })),
  sweepInterrupted: (message) =>
    set((s) =>
      s.sweep.status === 'running' || s.sweep.status === 'paused'
        ? {
            sweep: {
              ...s.sweep,
              status: 'interrupted',
              inFlight: [],
              stopping: false,
              pausing: false,
              message,
            },
          }
        : {},
    ),
  clearResults: () => set({ sweep: IDLE, horizon: { status: 'idle', message: null } }),
  setMeasured: (measured) => set({ measured }),
  setNotice: (notice) => set({ notice }),
  setSaved: (saved) => set({ saved }),
  restore: (saved) =>
    set((s) => ({
      config: saved.config ?? s.config,
      presetName: saved.presetName ?? s.presetName,
      textFile: saved.textFile ?? null,
      measured: saved.measured ?? null,
      configVersion: s.configVersion + 1,
      sweep: saved.sweep ? { ...IDLE, ...saved.sweep } : s.sweep,
    })),
}));
