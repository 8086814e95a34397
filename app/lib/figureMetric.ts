/** Which loss the transfer figure plots: validation (the default) or final training loss. */
import { DEFAULT_VAL_FRACTION } from '../../src/data/batches';
import type { RunRecord } from '../../src/sweep/types';

export type LossMetric = 'val' | 'train';

/** Held-out batches the engine evaluates at the end of a run (trainer.ts: evalBatches ?? 2). */
const EVAL_BATCHES = 2;

/** The metric as a figure states it (axis, caption). */
export function metricLabel(metric: LossMetric): string {
  return metric === 'val'
    ? `validation loss (${EVAL_BATCHES} batches of the held-out last ${DEFAULT_VAL_FRACTION * 100}% of the corpus, after training)`
    : 'final training loss (mean of the last 10 steps)';
}

export function metricAxisLabel(metric: LossMetric): string {
  return metric === 'val' ? 'validation loss' : 'final train loss';
}

/**
 * The records with `finalLoss` read as the chosen metric, so that the charts and their analysis
 * (optima, drift, penalty) use it. A run without a validation loss has none to plot.
 */
export function withMetric(records: readonly RunRecord[], metric: LossMetric): RunRecord[] {
  if (metric === 'train') return [...records];
  return records.map((r) => ({ ...r, finalLoss: r.diverged ? null : r.valLoss }));
}
