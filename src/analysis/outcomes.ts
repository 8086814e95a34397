/**
 * Run records as the sweep analysis reads them, for every caller (charts, the tuned value, the
 * export): one place decides which runs count as diverged and what a run's scaled value is.
 */
import type { RunOutcome } from './analysis';
import type { RunRecord } from '../sweep/types';

/**
 * A run counts as diverged when flagged or when its final loss is missing or non-finite; its
 * loss is NaN in the outcome (never in exports). `width` is the depth in a depth sweep.
 */
export function toOutcomes(records: readonly RunRecord[], axis: 'width' | 'depth'): RunOutcome[] {
  return records.map((r) => {
    const ok = !r.diverged && r.finalLoss !== null && Number.isFinite(r.finalLoss);
    return {
      parametrization: r.parametrization,
      width: axis === 'width' ? r.width : r.depth,
      seed: r.seed,
      log2Hp: r.log2Hp,
      finalLoss: ok ? (r.finalLoss as number) : NaN,
      diverged: !ok,
    };
  });
}
