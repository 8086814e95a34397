/**
 * Which loss a sweep's optima are read on: the validation loss (the default of every preset) or
 * the final training loss. The figures, the export and the CLI all choose through this module.
 */
import * as z from 'zod';
import { DEFAULT_VAL_FRACTION } from '../data/batches';
import type { RunRecord } from '../sweep/types';

export const LOSS_METRICS = ['val', 'train'] as const;
export const lossMetricSchema = z.enum(LOSS_METRICS);
export type LossMetric = z.infer<typeof lossMetricSchema>;

/** Steps the final training loss averages (the trainer's and every reader's). */
export const FINAL_LOSS_WINDOW = 10;

/** Mean of the last FINAL_LOSS_WINDOW losses: a run's final loss (also at an earlier step). */
export function finalLossOf(losses: number[]): number {
  const tail = losses.slice(-FINAL_LOSS_WINDOW);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

/** The presets' metric: the held-out loss, which a too-high LR cannot overfit. */
export const DEFAULT_LOSS_METRIC: LossMetric = 'val';

/** Held-out batches the engine evaluates at the end of a run (the trainer's default). */
export const EVAL_BATCHES = 2;

/** The metric as a figure or a log states it (axis, caption). */
export function metricLabel(metric: LossMetric): string {
  return metric === 'val'
    ? `validation loss (${EVAL_BATCHES} batches of the held-out last ${DEFAULT_VAL_FRACTION * 100}% of the corpus, after training)`
    : `final training loss (mean of the last ${FINAL_LOSS_WINDOW} steps)`;
}

export function metricAxisLabel(metric: LossMetric): string {
  return metric === 'val' ? 'validation loss' : 'final train loss';
}

/** The other metric (the export carries its optima beside the chosen one's). */
export function otherMetric(metric: LossMetric): LossMetric {
  return metric === 'val' ? 'train' : 'val';
}

/**
 * The records with `finalLoss` read as the chosen metric, so that the charts and their analysis
 * (optima, drift, penalty) use it. A run without a validation loss has none to plot.
 */
export function withMetric(records: readonly RunRecord[], metric: LossMetric): RunRecord[] {
  if (metric === 'train') return [...records];
  return records.map((r) => ({ ...r, finalLoss: r.diverged ? null : r.valLoss }));
}

/**
 * Results computed on withMetric's records (a verification), with their runs put back as they
 * were recorded: an export keeps the training loss as `finalLoss` whatever the metric.
 */
export function asRecorded<T extends { runs: RunRecord[] }>(
  results: readonly T[],
  recorded: readonly RunRecord[],
): T[] {
  const byId = new Map(recorded.map((r) => [r.id, r]));
  return results.map((x) => ({ ...x, runs: x.runs.map((r) => byId.get(r.id) ?? r) }));
}
