/**
 * Keeps the store's `analysis` slice up to date with the shown results: whenever the sweep's
 * config, records or horizon runs change, their analysis (fits, bootstraps) is computed in
 * app/worker/analysis.worker.ts, one request at a time, the newest results next. Without a
 * Worker (tests under Node) it is computed in place.
 */
import { horizonAnalysis, type HorizonResult } from '../src/sweep/horizon';
import type { SweepConfig } from '../src/sweep/config';
import type { RunRecord } from '../src/sweep/types';
import { withMetric } from '../src/analysis/metric';
import { buildCharts, type ChartModel } from './lib/results';
import { useLab } from './store';

export interface AnalysisRequest {
  id: number;
  config: SweepConfig;
  records: RunRecord[];
  horizonRuns: RunRecord[];
}

/**
 * What goes to the worker: only the records appended since the last request when nothing else
 * changed (the copy to the worker stays small however many runs there are), else all of them.
 */
export interface WorkerRequest {
  id: number;
  config: SweepConfig;
  reset: boolean;
  records: RunRecord[];
  horizonRuns: RunRecord[];
}

export interface AnalysisResponse {
  id: number;
  /** The charts on the final training loss, and on the validation loss. */
  charts: ChartModel[];
  valCharts: ChartModel[];
  horizon: HorizonResult;
}

let started = false;
const MIN_INTERVAL_MS = 1000;

export function startAnalysis(useWorker = typeof Worker !== 'undefined'): () => void {
  if (started) return () => undefined;
  started = true;
  let worker: Worker | undefined;
  let busy: AnalysisRequest | undefined;
  // What the worker holds.
  let sent: Pick<AnalysisRequest, 'config' | 'records'> | undefined;
  let next = 0;

  const wanted = (): AnalysisRequest | undefined => {
    const { sweep, analysis } = useLab.getState();
    if (!sweep.config) return undefined;
    if (
      analysis &&
      analysis.config === sweep.config &&
      analysis.records === sweep.records &&
      analysis.horizonRuns === sweep.horizonRuns
    )
      return undefined;
    return {
      id: ++next,
      config: sweep.config,
      records: sweep.records,
      horizonRuns: sweep.horizonRuns,
    };
  };

  const settle = (request: AnalysisRequest, r: Omit<AnalysisResponse, 'id'>) => {
    const { config, records, horizonRuns } = request;
    useLab.getState().setAnalysis({ config, records, horizonRuns, ...r });
  };

  // At most one analysis a second: each redraws the charts, the page's heaviest drawing.
  let lastAt = -Infinity;
  let waiting: ReturnType<typeof setTimeout> | undefined;
  const pump = () => {
    if (busy || waiting !== undefined) return;
    const wait = lastAt + MIN_INTERVAL_MS - Date.now();
    if (worker && wait > 0) {
      waiting = setTimeout(() => {
        waiting = undefined;
        pump();
      }, wait);
      return;
    }
    const request = wanted();
    if (!request) return;
    if (!worker) {
      settle(request, {
        charts: buildCharts(request.config, request.records),
        valCharts: buildCharts(request.config, withMetric(request.records, 'val')),
        horizon: horizonAnalysis(request.config, request.records, request.horizonRuns),
      });
      return;
    }
    busy = request;
    lastAt = Date.now();
    const { id, config, records, horizonRuns } = request;
    const appended =
      sent !== undefined &&
      sent.config === config &&
      records.length >= sent.records.length &&
      (sent.records.length === 0 || records[sent.records.length - 1] === sent.records.at(-1));
    const message: WorkerRequest = {
      id,
      config,
      reset: !appended,
      records: appended ? records.slice(sent!.records.length) : records,
      horizonRuns,
    };
    sent = { config, records };
    worker.postMessage(message);
  };

  if (useWorker) {
    worker = new Worker(new URL('./worker/analysis.worker.ts', import.meta.url), {
      type: 'module',
    });
    worker.onmessage = (e: MessageEvent<AnalysisResponse>) => {
      const request = busy;
      busy = undefined;
      if (request && request.id === e.data.id) settle(request, e.data);
      pump();
    };
    worker.onerror = () => {
      // The worker could not start or failed: compute in place from now on.
      worker?.terminate();
      worker = undefined;
      busy = undefined;
      sent = undefined;
      pump();
    };
  }
  const unsubscribe = useLab.subscribe((s, prev) => {
    if (
      s.sweep.config !== prev.sweep.config ||
      s.sweep.records !== prev.sweep.records ||
      s.sweep.horizonRuns !== prev.sweep.horizonRuns
    )
      pump();
  });
  pump();
  return () => {
    unsubscribe();
    if (waiting !== undefined) clearTimeout(waiting);
    worker?.terminate();
    started = false;
  };
}
