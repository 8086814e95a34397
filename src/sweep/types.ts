/** One run of a sweep, and what it produced. */
import type { Parametrization } from '../mup/rules';

export interface RunSpec {
  /** Stable key: the same run has the same id in every session (resume, dedupe). */
  id: string;
  parametrization: Parametrization;
  width: number;
  depth: number;
  seed: number;
  /** log2 of the swept hyperparameter's value. */
  log2Hp: number;
}

export interface RunRecord extends RunSpec {
  /** Mean training loss of the last 10 steps (null when diverged: never NaN in records). */
  finalLoss: number | null;
  diverged: boolean;
  /** First step whose loss or gradients were non-finite or out of bounds. */
  divergedAtStep: number | null;
  /** Training loss per step (steps after divergence are not recorded). */
  losses: number[];
  /** Validation loss at the end (null when diverged). */
  valLoss: number | null;
  tokensPerSec: number;
  millis: number;
}

export function runId(s: Omit<RunSpec, 'id'>): string {
  return `${s.parametrization}:w${s.width}:d${s.depth}:s${s.seed}:h${s.log2Hp}`;
}
