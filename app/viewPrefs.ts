/**
 * The figures' loss metric, kept across reloads like a view preference (apart from the saved
 * sweep state and its schema): read once at start, a missing, malformed or unknown value is the
 * presets' default, and a page without localStorage simply does not remember.
 */
import * as z from 'zod';
import { DEFAULT_LOSS_METRIC, lossMetricSchema, type LossMetric } from '../src/analysis/metric';

export const VIEW_PREFS_KEY = 'mup-lab/view';

const viewPrefsSchema = z.object({ metric: lossMetricSchema });

export function loadMetric(): LossMetric {
  try {
    const text = globalThis.localStorage?.getItem(VIEW_PREFS_KEY);
    if (!text) return DEFAULT_LOSS_METRIC;
    const parsed = viewPrefsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.metric : DEFAULT_LOSS_METRIC;
  } catch {
    return DEFAULT_LOSS_METRIC;
  }
}

export function saveMetric(metric: LossMetric): void {
  try {
    globalThis.localStorage?.setItem(VIEW_PREFS_KEY, JSON.stringify({ metric }));
  } catch {
    // No storage (private window, quota): the choice holds until the page closes.
  }
}
