/**
 * The schema of a `mup-lab plan` document (src/cli/plan.ts buildPlan writes it, `python -m
 * mup_lab.sweep` reads it): the sweep's config as exports carry it, the trainer's constants, the
 * training text and every run spelled out. Python validates plans against this schema turned into
 * JSON Schema (src/exchange/jsonSchemas.ts), plus the cross-field checks of python/mup_lab/plan.py.
 */
import * as z from 'zod';
import { MAX_TEXT_BYTES } from '../data/text';
import { exportedSweepConfigSchema, scheduleSchema, SWEEP_LIMITS } from '../sweep/config';
import { exportShapeSchema } from './exportShapes';
import {
  hyperparamsSchema,
  IMPORT_LIMITS as L,
  nonNegInt,
  num,
  parametrizationSchema,
  posInt,
  positive,
  sweptHpSchema,
} from '../sweep/schemaParts';

export const PLAN_FORMAT = 'mup-lab/plan';
export const PLAN_VERSION = 1;

const plannedRunSchema = z.strictObject({
  id: z.string().max(L.string),
  parametrization: parametrizationSchema,
  width: posInt(L.width),
  depth: posInt(L.depth),
  seed: nonNegInt.max(Number.MAX_SAFE_INTEGER),
  log2Hp: num,
  hyperparameters: hyperparamsSchema,
  base: exportShapeSchema,
  target: exportShapeSchema,
});

export const planSchema = z.strictObject({
  format: z.literal(PLAN_FORMAT),
  version: z.literal(PLAN_VERSION),
  config: exportedSweepConfigSchema,
  sweptHp: sweptHpSchema,
  train: z.strictObject({
    steps: posInt(SWEEP_LIMITS.steps),
    batch: posInt(SWEEP_LIMITS.batch),
    schedule: scheduleSchema,
    evalBatches: nonNegInt.max(1000),
    finalLossWindow: posInt(SWEEP_LIMITS.steps),
    divergenceBound: positive,
  }),
  /** The text itself (the lab's text rule, src/data/text.ts, bounds its size). */
  text: z.string().min(1).max(MAX_TEXT_BYTES),
  runs: z.array(plannedRunSchema).min(1).max(SWEEP_LIMITS.runs),
});

export type Plan = z.infer<typeof planSchema>;
