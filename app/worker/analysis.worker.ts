/**
 * Fits and bootstraps off the UI thread: the transfer charts' analysis (app/lib/results.ts)
 * and the horizon analysis of the shown results. It keeps the records it was sent, so that
 * each request carries only the runs finished since the last one.
 */
import { horizonAnalysis } from '../../src/sweep/horizon';
import type { RunRecord } from '../../src/sweep/types';
import { withMetric } from '../../src/analysis/metric';
import { buildCharts } from '../lib/results';
import type { AnalysisResponse, WorkerRequest } from '../analysisClient';

let records: RunRecord[] = [];

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const { id, config, reset, horizonRuns } = e.data;
  if (reset) records = e.data.records;
  else for (const r of e.data.records) records.push(r);
  const response: AnalysisResponse = {
    id,
    charts: buildCharts(config, records),
    valCharts: buildCharts(config, withMetric(records, 'val')),
    horizon: horizonAnalysis(config, records, horizonRuns),
  };
  self.postMessage(response);
};
