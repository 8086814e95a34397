/**
 * The schema of the export document: one versioned JSON file with everything needed to carry a
 * sweep's tuned hyperparameters into PyTorch + microsoft/mup, and the evidence behind them.
 *
 *   { "format": "mup-lab/transfer", "version": 2,
 *     parametrization, base, tuning, hyperparameters, rules, target, evidence, environment,
 *     pytorch }
 *
 * Numbers are always finite: a diverged run has `finalLoss: null`, `valLoss: null`,
 * `diverged: true` and its loss curve stops before the first non-finite value (`divergedAtStep`
 * says where), so JSON.stringify never turns a NaN into an unexplained null. The parts shared
 * with the lab's own types (sweep config, run record, hyperparameters, shapes) are the same
 * schemas the lab validates them with.
 */
import * as z from 'zod';
import { optimizerNameSchema } from '../mup/optimizers';
import { exportedSweepConfigSchema, SWEEP_LIMITS } from '../sweep/config';
import { exportShapeSchema } from './exportShapes';
import { lossMetricSchema } from '../analysis/metric';
import { rulesTextSchema } from './exportRules';
import {
  hyperparamsSchema,
  IMPORT_LIMITS as L,
  list,
  nonNeg,
  nonNegInt,
  num,
  parametrizationSchema,
  posInt,
  positive,
  str,
  sweptHpSchema,
} from '../sweep/schemaParts';
import { runRecordSchema } from '../sweep/types';

export const EXPORT_FORMAT = 'mup-lab/transfer';
/** 2: the optimizer is named everywhere (SGD beside AdamW) and carries its momentum. */
export const EXPORT_VERSION = 2;

const tensorRoleSchema = z.enum(['embedding', 'position', 'hidden', 'readout', 'vector']);
const tensorKindSchema = z.enum(['matrix', 'gain', 'bias']);
const tensorName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.]+$/, 'must be a tensor name (letters, digits, "_" and ".")');

const tuningSchema = z.strictObject({
  hp: sweptHpSchema,
  label: str,
  /** log2 of the tuned value; null when no run converged (the base value was kept). */
  log2: num.nullable(),
  value: positive,
  /** The width (depth, for depth sweeps) whose optimum was taken; null when none. */
  fromScale: posInt(L.width).nullable(),
  atEdge: z.boolean(),
  note: str,
});

const tensorValuesSchema = z.strictObject({
  name: tensorName,
  role: tensorRoleSchema,
  kind: tensorKindSchema,
  shape: list(posInt(2 ** 30), 4),
  block: nonNegInt.max(L.depth).nullable(),
  fanIn: posInt(2 ** 30),
  baseFanIn: posInt(2 ** 30),
  widthMult: positive,
  initMean: num,
  initStd: nonNeg,
  queryColumns: z.tuple([nonNegInt, nonNegInt]).optional(),
  queryInitStd: nonNeg.optional(),
  lr: positive,
  lrMult: positive,
  eps: positive,
  weightDecay: nonNeg,
  tiedReadout: z.boolean().optional(),
});

const multipliersSchema = z.strictObject({
  inputMult: positive,
  readoutMult: positive,
  attnScale: positive,
  residualMult: positive,
  widthMult: positive,
  depthMult: positive,
  depthLrFactor: positive,
  headSize: positive,
  baseHeadSize: positive,
});

const targetSchema = z.strictObject({
  shape: exportShapeSchema,
  parametrization: parametrizationSchema,
  tensors: list(tensorValuesSchema, L.tensors),
  multipliers: multipliersSchema,
  // name: absent in files written before the optimizer choice (they trained with AdamW).
  optimizer: z.strictObject({
    name: optimizerNameSchema.optional(),
    beta1: num,
    beta2: num,
    clip: nonNeg,
    /** Momentum (SGD, Muon); absent in version-1 files. */
    momentum: nonNeg.optional(),
    /** Muon's Newton-Schulz iterations; absent in files written before Muon. */
    nsSteps: nonNeg.optional(),
  }),
  notes: list(str, 100),
});

/** A run record with every number finite: non-finite values are cut or made null on export. */
const exportedRunSchema = z.strictObject({
  ...runRecordSchema.shape,
  id: str,
  width: posInt(L.width),
  depth: posInt(L.depth),
  log2Hp: num,
  /** log2 of the run's base learning rate η (the swept value when sweeping the LR). */
  log2Lr: num,
  finalLoss: num.nullable(),
  losses: list(num, L.lossesPerRun),
  valLoss: num.nullable(),
  tokensPerSec: nonNeg,
  millis: nonNeg,
});

const optimumSchema = z.strictObject({
  /** The scaled value: a width, or a depth when evidence.axis is 'depth'. */
  width: posInt(L.width),
  gridLog2: num,
  gridLoss: num,
  fitLog2: num,
  /** Bootstrap standard deviation of fitLog2 over seeds; null with one seed (absent before). */
  fitSd: num.nullable().optional(),
  atEdge: z.boolean(),
});

/** A value and its bootstrap standard deviation over seeds (null when not estimable). */
const estimateSchema = z.strictObject({ value: num, sd: num.nullable() });

const penaltySchema = z.strictObject({
  width: posInt(L.width),
  baseWidth: posInt(L.width),
  atLog2: num,
  /** Loss (nats) at the base width's optimum minus the best loss; null when it diverged. */
  loss: num.nullable(),
  sd: num.nullable(),
  diverged: z.boolean(),
});

/** Each parametrization's optima, verdict and transfer metrics, on one loss metric. */
const optimaSchema = list(
  z.strictObject({
    parametrization: parametrizationSchema,
    verdict: str,
    /** Optimum shift narrowest → widest in octaves; null with fewer than one optimum. */
    shiftOctaves: num.nullable(),
    /** Drift of the optimum per doubling of the scaled axis, in octaves (absent before). */
    drift: estimateSchema.optional(),
    /** Transfer penalty at the widest trained width (absent before, or with one width). */
    penalty: penaltySchema.optional(),
    optima: list(optimumSchema),
  }),
  2,
);

const evidenceSchema = z.strictObject({
  axis: z.enum(['width', 'depth']),
  grid: z.strictObject({ hp: sweptHpSchema, log2: list(num) }),
  widths: list(posInt(L.width)),
  depths: list(posInt(L.depth)),
  seeds: list(nonNegInt),
  steps: posInt(SWEEP_LIMITS.steps),
  config: exportedSweepConfigSchema,
  runs: list(exportedRunSchema, L.runs),
  /**
   * Runs of the shorter training lengths under a cosine schedule (each with its own `steps` and
   * full schedule, at the widest width): the horizon view's evidence, apart from the width
   * sweep's runs (absent before, and when none were trained).
   */
  horizonRuns: list(exportedRunSchema, L.runs).optional(),
  /**
   * The loss the optima, the verdicts and the tuned value were read on (src/analysis/metric.ts).
   * Absent in files written before the choice: they used the final training loss.
   */
  metric: lossMetricSchema.optional(),
  optima: optimaSchema,
  /** The same analysis on the other metric (absent before). */
  otherMetric: z.strictObject({ metric: lossMetricSchema, optima: optimaSchema }).optional(),
});

/**
 * A verification at a target width (src/sweep/verify.ts): per parametrization, a small sweep
 * around the optimum predicted from the base width, what it found, and its runs (absent before,
 * and when none was trained).
 */
const verificationSchema = z.strictObject({
  width: posInt(L.width),
  depth: posInt(L.depth),
  seeds: list(nonNegInt),
  results: list(
    z.strictObject({
      parametrization: parametrizationSchema,
      /** log2 of the predicted optimum (the base width's fitted one) and its bootstrap sd. */
      predicted: z.strictObject({ log2: num, sd: num.nullable() }),
      /** The fitted optimum of the verification's curve; null when every run diverged. */
      observed: z.strictObject({ log2: num, sd: num.nullable(), atEdge: z.boolean() }).nullable(),
      /** Loss at the predicted value minus the best loss, on the curve's fit (nats). */
      penalty: num.nullable(),
      runs: list(exportedRunSchema, L.runs),
    }),
    2,
  ),
});

const environmentSchema = z.strictObject({
  adapter: str,
  labVersion: str,
  date: z.iso.datetime(),
});

const shapesRecord = z
  .record(tensorName, list(nonNegInt, 4))
  .refine((r) => Object.keys(r).length <= L.tensors, `at most ${L.tensors} tensors`);

const pytorchSchema = z.strictObject({
  baseShapes: shapesRecord,
  deltaShapes: shapesRecord,
  muReadout: z.strictObject({
    outputMult: positive,
    readoutZeroInit: z.boolean(),
    shared: z.boolean(),
  }),
  muAdamW: z.strictObject({
    lr: positive,
    betas: z.tuple([num, num]),
    eps: positive,
    weightDecay: nonNeg,
  }),
  manual: z.strictObject({
    inputMult: positive,
    attnScale: positive,
    exampleAttnMult: positive,
    residualMult: positive,
    depthLrFactor: positive,
  }),
  tensors: list(
    z.strictObject({
      name: tensorName,
      torchShape: list(posInt(2 ** 30), 4),
      baseTorchShape: list(posInt(2 ** 30), 4),
      ninf: z.int().min(0).max(2),
      muAdamLr: positive,
      muAdamWeightDecay: nonNeg,
      lr: positive,
      weightDecay: nonNeg,
      eps: positive,
      initMean: num,
      initStd: nonNeg,
    }),
    L.tensors,
  ),
  caveats: list(str, 100),
});

export const transferExportSchema = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  parametrization: parametrizationSchema,
  base: exportShapeSchema,
  tuning: tuningSchema,
  /** The base hyperparameters, with the swept one set to its tuned value. */
  hyperparameters: hyperparamsSchema,
  rules: rulesTextSchema,
  target: targetSchema,
  evidence: evidenceSchema,
  verification: verificationSchema.optional(),
  environment: environmentSchema,
  pytorch: pytorchSchema,
});

export type TransferExport = z.infer<typeof transferExportSchema>;
export type ExportedRun = z.infer<typeof exportedRunSchema>;
export type ExportedVerification = z.infer<typeof verificationSchema>;
