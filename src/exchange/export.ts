/**
 * Builds the export document (src/exchange/exportSchema.ts) of a finished sweep: the tuned value
 * of the swept hyperparameter, the transfer rules and per-tensor values at a target width, and
 * the evidence. (The PyTorch snippet of a document is src/exchange/pytorch.ts.)
 */
import {
  PARAMETRIZATION_LABELS,
  PARAMETRIZATIONS,
  type Parametrization,
} from '../mup/parametrizations';
import type { MupHyperparams } from '../mup/rules';
import { mupPytorchHints, transfer } from '../mup/transfer';
import { analyzeSweep, tunedLog2, type ParametrizationAnalysis } from '../analysis/analysis';
import {
  hpGrid,
  shapeFor,
  SWEPT_HP_LABELS,
  type ExportedSweepConfig,
  type SweepConfig,
} from '../sweep/config';
import { describeRules } from './exportRules';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportedRun,
  type ExportedVerification,
  type TransferExport,
} from './exportSchema';
import { toExportShape } from './exportShapes';
import { DEFAULT_LOSS_METRIC, otherMetric, withMetric, type LossMetric } from '../analysis/metric';
import { IMPORT_LIMITS as L } from '../sweep/schemaParts';
import { toOutcomes } from '../analysis/outcomes';
import type { RunRecord } from '../sweep/types';
import type { VerifyResult } from '../sweep/verify';
import packageJson from '../../package.json' with { type: 'json' };

/** This lab's version (package.json), written into every export. */
export const LAB_VERSION: string = packageJson.version;

// ---- Building -------------------------------------------------------------------------------

const finiteOr = <T>(x: number | null | undefined, fallback: T): number | T =>
  typeof x === 'number' && Number.isFinite(x) ? x : fallback;

/** A run with every number finite: diverged explicit, the curve cut at the first non-finite. */
export function sanitizeRun(r: RunRecord, log2Lr: number): ExportedRun {
  const firstBad = r.losses.findIndex((x) => !Number.isFinite(x));
  const losses = firstBad < 0 ? [...r.losses] : r.losses.slice(0, firstBad);
  const finalLoss = r.diverged ? null : finiteOr(r.finalLoss, null);
  const diverged = r.diverged || finalLoss === null;
  const divergedAtStep =
    r.divergedAtStep ?? (diverged ? (firstBad >= 0 ? firstBad + 1 : null) : null);
  return {
    id: r.id,
    parametrization: r.parametrization,
    width: r.width,
    depth: r.depth,
    seed: r.seed,
    log2Hp: r.log2Hp,
    ...(r.steps !== undefined ? { steps: r.steps } : {}),
    log2Lr,
    finalLoss,
    diverged,
    divergedAtStep: diverged ? divergedAtStep : null,
    losses,
    valLoss: diverged ? null : finiteOr(r.valLoss, null),
    tokensPerSec: Math.max(0, finiteOr(r.tokensPerSec, 0)),
    millis: Math.max(0, finiteOr(r.millis, 0)),
  };
}

/** The config without the user's text (its name and size stay). */
export function exportedConfig(c: SweepConfig): ExportedSweepConfig {
  const data: ExportedSweepConfig['data'] =
    c.data.kind === 'text'
      ? { kind: 'text', name: c.data.name, size: c.data.text.length }
      : c.data.kind === 'shakespeare'
        ? { kind: 'shakespeare' }
        : { kind: 'synthetic', seed: c.data.seed, size: c.data.size };
  const model: ExportedSweepConfig['model'] = {
    depth: c.model.depth,
    context: c.model.context,
    mlpRatio: c.model.mlpRatio,
    tiedReadout: c.model.tiedReadout,
    biases: c.model.biases,
  };
  if (c.model.heads !== undefined) model.heads = c.model.heads;
  if (c.model.headSize !== undefined) model.headSize = c.model.headSize;
  return {
    model,
    data,
    parametrizations: [...c.parametrizations],
    axis: c.axis,
    widths: [...c.widths],
    depths: [...c.depths],
    baseWidth: c.baseWidth,
    baseDepth: c.baseDepth,
    hp: { ...c.hp },
    sweep: { ...c.sweep },
    train: {
      steps: c.train.steps,
      batch: c.train.batch,
      seeds: [...c.train.seeds],
      schedule: { ...c.train.schedule },
      stack: c.train.stack,
    },
  };
}

export interface BuildExportInput {
  config: SweepConfig;
  /** Every finished run of the sweep (diverged ones included). */
  records: readonly RunRecord[];
  /** The horizon runs of a cosine sweep (src/sweep/horizon.ts), kept apart from `records`. */
  horizonRuns?: readonly RunRecord[];
  /** Vocabulary size of the prepared data. */
  vocab: number;
  /** Width (and depth, default: the base depth) at which to spell out per-tensor values. */
  targetWidth: number;
  targetDepth?: number;
  /** Whose tuned value to export; default µP when it was swept, else the first one. */
  parametrization?: Parametrization;
  environment: { adapter: string; labVersion?: string; date?: Date };
  /**
   * The loss the optima and the tuned value are read on (default: the presets', validation);
   * the other one's optima are carried beside them.
   */
  metric?: LossMetric;
  /** analysisOn(config, records, metric) of either metric, when already computed. */
  analyses?: Partial<Record<LossMetric, ParametrizationAnalysis[]>>;
  /** A verification at a target width (src/sweep/verify.ts), when one was trained. */
  verification?: readonly VerifyResult[];
}

/**
 * The export document. Throws only for a target shape transfer() refuses (e.g. a width that is
 * not a multiple of the head count): the UI offers valid widths only.
 */
export function buildExport(input: BuildExportInput): TransferExport {
  const { config, vocab } = input;
  const p: Parametrization =
    input.parametrization ??
    (config.parametrizations.includes('mup') ? 'mup' : config.parametrizations[0]);
  const metric = input.metric ?? DEFAULT_LOSS_METRIC;
  const other = otherMetric(metric);
  const analysis = input.analyses?.[metric] ?? analysisOn(config, input.records, metric);
  const otherAnalysis = input.analyses?.[other] ?? analysisOn(config, input.records, other);
  const mine = analysis.find((a) => a.parametrization === p);
  const baseScale = config.axis === 'width' ? config.baseWidth : config.baseDepth;

  const swept = config.sweep.name;
  const log2 = mine ? tunedLog2(mine, baseScale) : undefined;
  const at = mine?.optima.find((o) => o.width === baseScale) ?? mine?.optima[0];
  const hp: MupHyperparams = { ...config.hp };
  let note: string;
  if (log2 !== undefined && Number.isFinite(log2) && at) {
    hp[swept] = 2 ** log2;
    note =
      at.width === baseScale
        ? `Sub-grid optimum at the base ${config.axis} ${baseScale}.`
        : `The base ${config.axis} ${baseScale} was not trained: optimum at ${config.axis} ${at.width}.`;
    if (at.atEdge) note += ' It lies on the edge of the grid: widen the range to be sure.';
  } else {
    note = `No ${PARAMETRIZATION_LABELS[p]} run converged: the base value was kept.`;
  }
  const tuning: TransferExport['tuning'] = {
    hp: swept,
    label: SWEPT_HP_LABELS[swept],
    log2: log2 !== undefined && Number.isFinite(log2) ? log2 : null,
    value: hp[swept],
    fromScale: at && log2 !== undefined ? at.width : null,
    atEdge: at?.atEdge ?? false,
    note,
  };

  const base = shapeFor(config, config.baseWidth, config.baseDepth, vocab);
  const targetDepth =
    input.targetDepth ?? (config.axis === 'width' ? config.model.depth : config.baseDepth);
  const target = shapeFor(config, input.targetWidth, targetDepth, vocab);
  const result = transfer(hp, p, base, target);
  const pytorch = mupPytorchHints(hp, base, target);

  const exported = (r: RunRecord) => exportRun(config, r);
  const runs = input.records.map(exported);
  const horizonRuns = (input.horizonRuns ?? []).map(exported);
  const env = input.environment;
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    parametrization: p,
    base: toExportShape(base),
    tuning,
    hyperparameters: hp,
    rules: describeRules(p, hp),
    target: {
      shape: toExportShape(target),
      parametrization: p,
      tensors: result.tensors.map((t) => ({ ...t, shape: [...t.shape] })),
      multipliers: { ...result.multipliers },
      optimizer: { ...result.optimizer },
      notes: [...result.notes],
    },
    evidence: {
      axis: config.axis,
      grid: { hp: swept, log2: hpGrid(config.sweep) },
      widths: [...config.widths],
      depths: [...config.depths],
      seeds: [...config.train.seeds],
      steps: config.train.steps,
      config: exportedConfig(config),
      runs,
      ...(horizonRuns.length > 0 ? { horizonRuns } : {}),
      metric,
      optima: exportedOptima(analysis),
      otherMetric: { metric: other, optima: exportedOptima(otherAnalysis) },
    },
    ...(input.verification && input.verification.length > 0
      ? { verification: exportedVerification(input.verification, config) }
      : {}),
    environment: {
      adapter: env.adapter.slice(0, L.string),
      labVersion: env.labVersion ?? LAB_VERSION,
      date: (env.date ?? new Date()).toISOString(),
    },
    pytorch: {
      ...pytorch,
      muAdamW: { ...pytorch.muAdamW, betas: [pytorch.muAdamW.betas[0], pytorch.muAdamW.betas[1]] },
    },
  };
}

/** The analysis of one sweep on one loss metric (the records' finalLoss read as it). */
export function analysisOn(
  config: SweepConfig,
  records: readonly RunRecord[],
  metric: LossMetric,
): ParametrizationAnalysis[] {
  return analyzeSweep(toOutcomes(withMetric(records, metric), config.axis), {
    baseWidth: config.axis === 'width' ? config.baseWidth : config.baseDepth,
    axisName: config.axis,
  });
}

/** Each parametrization's optima, verdict, drift and penalty as the export holds them. */
function exportedOptima(analysis: ParametrizationAnalysis[]): TransferExport['evidence']['optima'] {
  return analysis
    .filter((a): a is ParametrizationAnalysis & { parametrization: Parametrization } =>
      (PARAMETRIZATIONS as readonly string[]).includes(a.parametrization),
    )
    .map((a) => ({
      parametrization: a.parametrization,
      verdict: a.verdict,
      shiftOctaves: finiteOr(a.shiftOctaves, null),
      ...(a.drift && Number.isFinite(a.drift.value)
        ? { drift: { value: a.drift.value, sd: finiteOr(a.drift.sd, null) } }
        : {}),
      ...(a.penalty
        ? {
            penalty: {
              ...a.penalty,
              loss: finiteOr(a.penalty.loss, null),
              sd: finiteOr(a.penalty.sd, null),
            },
          }
        : {}),
      optima: a.optima
        .filter((o) => Number.isFinite(o.gridLoss) && Number.isFinite(o.fitLog2))
        .map((o) => ({
          width: o.width,
          gridLog2: o.gridLog2,
          gridLoss: o.gridLoss,
          fitLog2: o.fitLog2,
          fitSd: finiteOr(o.fitSd, null),
          atEdge: o.atEdge,
        })),
    }));
}

/** A run of `config` as the export holds it (log2Lr: the swept value when sweeping the LR). */
export function exportRun(config: SweepConfig, r: RunRecord): ExportedRun {
  return sanitizeRun(r, config.sweep.name === 'lr' ? r.log2Hp : Math.log2(config.hp.lr));
}

/** A verification as the export holds it: every number finite, its runs sanitized. */
export function exportedVerification(
  results: readonly VerifyResult[],
  config: SweepConfig,
): ExportedVerification {
  const exported = (r: RunRecord) => exportRun(config, r);
  const runs = results.flatMap((r) => r.runs);
  return {
    width: results[0].width,
    depth: runs[0]?.depth ?? config.model.depth,
    seeds: [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b),
    results: results.map((r) => ({
      parametrization: r.parametrization,
      predicted: { log2: r.predicted.log2, sd: finiteOr(r.predicted.sd, null) },
      observed:
        r.observed && Number.isFinite(r.observed.log2)
          ? {
              log2: r.observed.log2,
              sd: finiteOr(r.observed.sd, null),
              atEdge: r.observed.atEdge,
            }
          : null,
      penalty: finiteOr(r.penalty, null),
      runs: r.runs.map(exported),
    })),
  };
}

/** e.g. mup-lab_mup_base32_2026-11-26.json */
export function exportFileName(doc: TransferExport): string {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(doc.environment.date)?.[0] ?? 'undated';
  return `mup-lab_${doc.parametrization}_base${doc.base.width}_${date}.json`;
}
