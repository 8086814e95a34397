/**
 * Divergence detection on the losses read back from the GPU: a run diverges when a loss or a
 * gradient is non-finite (the AdamW kernel's flag), or when the loss exceeds a bound well above
 * the loss of a uniform prediction (log vocab): such a run never recovers within a sweep.
 */
export interface DivergenceRule {
  /** Loss above factor * log(vocab) counts as diverged. */
  factor: number;
}

export const DEFAULT_DIVERGENCE: DivergenceRule = { factor: 3 };

export function divergenceBound(vocab: number, rule: DivergenceRule = DEFAULT_DIVERGENCE): number {
  return rule.factor * Math.log(Math.max(2, vocab));
}

export function isDiverged(loss: number, nonFiniteFlag: boolean, bound: number): boolean {
  return nonFiniteFlag || !Number.isFinite(loss) || loss > bound;
}
