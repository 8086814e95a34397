/** One run of a sweep, and what it produced: the run record's schema and types. */
import * as z from 'zod';
import { nonNegInt, parametrizationSchema } from './schemaParts';

/** A number as training measured it: records may hold non-finite values (exports never do). */
const measured = z.custom<number>((v) => typeof v === 'number', { error: 'must be a number' });

export const runSpecSchema = z.object({
  /** Stable key: the same run has the same id in every session (resume, dedupe). */
  id: z.string(),
  parametrization: parametrizationSchema,
  width: z.int().min(1),
  depth: z.int().min(1),
  seed: nonNegInt,
  /** log2 of the swept hyperparameter's value. */
  log2Hp: z.number(),
  /**
   * Steps of a run shorter than the sweep's (a horizon run under a cosine schedule, with its own
   * full schedule); absent: the sweep's step count.
   */
  steps: z.int().min(1).optional(),
});

export const runRecordSchema = runSpecSchema.extend({
  /** Mean training loss of the last 10 steps (null when diverged: never NaN in records). */
  finalLoss: measured.nullable(),
  diverged: z.boolean(),
  /** First step whose loss or gradients were non-finite or out of bounds. */
  divergedAtStep: nonNegInt.nullable(),
  /** Training loss per step (steps after divergence are not recorded). */
  losses: z.array(measured),
  /** Validation loss at the end (null when diverged). */
  valLoss: measured.nullable(),
  tokensPerSec: measured,
  millis: measured,
});

export type RunSpec = z.infer<typeof runSpecSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;

export function runId(s: Omit<RunSpec, 'id'>): string {
  const id = `${s.parametrization}:w${s.width}:d${s.depth}:s${s.seed}:h${s.log2Hp}`;
  return s.steps === undefined ? id : `${id}:t${s.steps}`;
}
