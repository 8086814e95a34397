/**
 * The export document of DESIGN.md ("Export format"): one versioned JSON file with everything
 * needed to carry a sweep's tuned hyperparameters into PyTorch + microsoft/mup, and the evidence
 * behind them. `parseImport` validates a file with a strict zod schema and never throws.
 *
 *   { "format": "mup-lab/transfer", "version": 1,
 *     parametrization, base, tuning, hyperparameters, rules, target, evidence, environment,
 *     pytorch }
 *
 * Numbers are always finite: a diverged run has `finalLoss: null`, `valLoss: null`,
 * `diverged: true` and its loss curve stops before the first non-finite value (`divergedAtStep`
 * says where), so JSON.stringify never turns a NaN into an unexplained null.
 */
import * as z from 'zod';
import { validateHyperparams, type MupHyperparams, type Parametrization } from '../mup/rules';
import { headSizeOf, headsOf, mlpRatioOf, validateGptShape, type GptShape } from '../mup/shapes';
import { mupPytorchHints, transfer } from '../mup/transfer';
import { analyzeSweep, tunedLog2, type ParametrizationAnalysis, type RunOutcome } from './analysis';
import { hpGrid, shapeFor, SWEPT_HP_LABELS, type SweepConfig } from './config';
import type { RunRecord } from './types';
import packageJson from '../../package.json' with { type: 'json' };

export const EXPORT_FORMAT = 'mup-lab/transfer';
export const EXPORT_VERSION = 1;
/** This lab's version (package.json), written into every export. */
export const LAB_VERSION: string = packageJson.version;

/** Limits on what an import may contain (far above any real sweep). */
export const IMPORT_LIMITS = {
  /** Characters of the whole file. */
  chars: 64 * 2 ** 20,
  runs: 100_000,
  /** Loss values per run (the config allows at most 100,000 steps). */
  lossesPerRun: 100_000,
  /** Tensors of the target model (depth ≤ 64 blocks of ≤ 12 tensors, plus a few). */
  tensors: 2000,
  width: 1 << 20,
  depth: 4096,
  vocab: 1 << 24,
  context: 1 << 20,
  /** Entries of lists such as widths, seeds, the hp grid, notes. */
  list: 10_000,
  /** Characters of one string. */
  string: 10_000,
  /** Nesting depth of the JSON. */
  nesting: 64,
} as const;

// ---- Schema ---------------------------------------------------------------------------------

const L = IMPORT_LIMITS;
const num = z.number();
const nonNeg = z.number().min(0);
const positive = z.number().gt(0);
const posInt = (max: number) => z.int().min(1).max(max);
const nonNegInt = z.int().min(0);
const str = z.string().max(L.string);
const list = <T extends z.ZodType>(item: T, max: number = L.list) => z.array(item).max(max);
const parametrizationSchema = z.enum(['sp', 'mup']);
const sweptHpSchema = z.enum(['lr', 'initStd', 'alphaOut', 'alphaAttn', 'alphaIn']);
const tensorRoleSchema = z.enum(['embedding', 'position', 'hidden', 'readout', 'vector']);
const tensorKindSchema = z.enum(['matrix', 'gain', 'bias']);
const tensorName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.]+$/, 'must be a tensor name (letters, digits, "_" and ".")');

const hyperparamsSchema = z
  .strictObject({
    lr: num,
    initStd: num,
    alphaIn: num,
    alphaOut: num,
    alphaAttn: num,
    weightDecay: num,
    beta1: num,
    beta2: num,
    eps: num,
    clip: num,
    zeroReadout: z.boolean(),
    zeroQuery: z.boolean(),
    depthAlpha: z.union([z.literal(0), z.literal(0.5), z.literal(1)]),
  })
  .superRefine((hp, ctx) => {
    for (const e of validateHyperparams(hp)) {
      ctx.addIssue({ code: 'custom', path: [e.field], message: e.message });
    }
  });

/** A GPT shape with both head count and head size spelled out, and which one stays fixed. */
const shapeSchema = z
  .strictObject({
    width: posInt(L.width),
    depth: posInt(L.depth),
    heads: posInt(L.width),
    headSize: posInt(L.width),
    /** 'heads': the head count is fixed (head size grows); 'headSize': the head size is. */
    fixed: z.enum(['heads', 'headSize']),
    mlpRatio: positive.max(64),
    vocab: posInt(L.vocab),
    context: posInt(L.context),
    tiedReadout: z.boolean(),
    biases: z.boolean(),
  })
  .superRefine((s, ctx) => {
    if (s.heads * s.headSize !== s.width) {
      ctx.addIssue({
        code: 'custom',
        path: ['heads'],
        message: `heads × headSize (${s.heads} × ${s.headSize}) must equal the width ${s.width}`,
      });
      return;
    }
    for (const e of validateGptShape(exportShapeToGpt(s), { trainable: false })) {
      ctx.addIssue({ code: 'custom', path: [e.field], message: e.message });
    }
  });

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

const ruleSchema = z.strictObject({
  role: z.enum(['embedding', 'position', 'hidden', 'vector', 'readout', 'attention', 'depth']),
  tensors: str,
  init: str,
  lr: str,
  eps: str,
  weightDecay: str,
  forward: str,
});

const rulesSchema = z.strictObject({
  parametrization: parametrizationSchema,
  widthMultiplier: str,
  depthMultiplier: str,
  source: str,
  perRole: list(ruleSchema, 20),
  constant: str,
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
  shape: shapeSchema,
  parametrization: parametrizationSchema,
  tensors: list(tensorValuesSchema, L.tensors),
  multipliers: multipliersSchema,
  optimizer: z.strictObject({ beta1: num, beta2: num, clip: nonNeg }),
  notes: list(str, 100),
});

const runSchema = z.strictObject({
  id: str,
  parametrization: parametrizationSchema,
  width: posInt(L.width),
  depth: posInt(L.depth),
  seed: nonNegInt,
  log2Hp: num,
  /** log2 of the run's base learning rate η (the swept value when sweeping the LR). */
  log2Lr: num,
  finalLoss: num.nullable(),
  diverged: z.boolean(),
  divergedAtStep: nonNegInt.nullable(),
  losses: list(num, L.lossesPerRun),
  valLoss: num.nullable(),
  tokensPerSec: nonNeg,
  millis: nonNeg,
});

const scheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant') }),
  z.strictObject({
    kind: z.literal('cosine'),
    warmupSteps: nonNegInt,
    minRatio: z.number().min(0).max(1),
  }),
]);

const configSchema = z.strictObject({
  model: z.strictObject({
    depth: posInt(L.depth),
    heads: posInt(L.width).optional(),
    headSize: posInt(L.width).optional(),
    context: posInt(L.context),
    mlpRatio: positive.max(64),
    tiedReadout: z.boolean(),
    biases: z.boolean(),
  }),
  /** The data set; a user text is kept by name and size only, never its contents. */
  data: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('synthetic'), seed: nonNegInt, size: nonNegInt }),
    z.strictObject({ kind: z.literal('text'), name: str, size: nonNegInt }),
  ]),
  parametrizations: list(parametrizationSchema, 2),
  axis: z.enum(['width', 'depth']),
  widths: list(posInt(L.width)),
  depths: list(posInt(L.depth)),
  baseWidth: posInt(L.width),
  baseDepth: posInt(L.depth),
  hp: hyperparamsSchema,
  sweep: z.strictObject({ name: sweptHpSchema, log2Min: num, log2Max: num, log2Step: positive }),
  train: z.strictObject({
    steps: posInt(1_000_000),
    batch: posInt(1_000_000),
    seeds: list(nonNegInt),
    schedule: scheduleSchema,
    stack: posInt(10_000),
  }),
});

const optimumSchema = z.strictObject({
  /** The scaled value: a width, or a depth when evidence.axis is 'depth'. */
  width: posInt(L.width),
  gridLog2: num,
  gridLoss: num,
  fitLog2: num,
  atEdge: z.boolean(),
});

const evidenceSchema = z.strictObject({
  axis: z.enum(['width', 'depth']),
  grid: z.strictObject({ hp: sweptHpSchema, log2: list(num) }),
  widths: list(posInt(L.width)),
  depths: list(posInt(L.depth)),
  seeds: list(nonNegInt),
  steps: posInt(1_000_000),
  config: configSchema,
  runs: list(runSchema, L.runs),
  optima: list(
    z.strictObject({
      parametrization: parametrizationSchema,
      verdict: str,
      /** Optimum shift narrowest → widest in octaves; null with fewer than one optimum. */
      shiftOctaves: num.nullable(),
      optima: list(optimumSchema),
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
  base: shapeSchema,
  tuning: tuningSchema,
  /** The base hyperparameters, with the swept one set to its tuned value. */
  hyperparameters: hyperparamsSchema,
  rules: rulesSchema,
  target: targetSchema,
  evidence: evidenceSchema,
  environment: environmentSchema,
  pytorch: pytorchSchema,
});

export type TransferExport = z.infer<typeof transferExportSchema>;
export type ExportShape = z.infer<typeof shapeSchema>;
export type ExportedRun = z.infer<typeof runSchema>;
export type ExportedSweepConfig = z.infer<typeof configSchema>;
export type TransferRuleText = z.infer<typeof ruleSchema>;

// ---- Shapes ---------------------------------------------------------------------------------

export function toExportShape(s: GptShape): ExportShape {
  return {
    width: s.width,
    depth: s.depth,
    heads: headsOf(s),
    headSize: headSizeOf(s),
    fixed: s.heads !== undefined ? 'heads' : 'headSize',
    mlpRatio: mlpRatioOf(s),
    vocab: s.vocab,
    context: s.context,
    tiedReadout: s.tiedReadout,
    biases: s.biases,
  };
}

export function exportShapeToGpt(s: ExportShape): GptShape {
  const common = {
    width: s.width,
    depth: s.depth,
    context: s.context,
    vocab: s.vocab,
    mlpRatio: s.mlpRatio,
    tiedReadout: s.tiedReadout,
    biases: s.biases,
  };
  return s.fixed === 'heads' ? { ...common, heads: s.heads } : { ...common, headSize: s.headSize };
}

// ---- Rules as text --------------------------------------------------------------------------

const fmt = (x: number) => String(Number(x.toPrecision(6)));

/**
 * The transfer rules of src/mup/rules.ts in words, per tensor role, for one parametrization
 * (m = fan_in / base_fan_in, L = depth / base_depth). rules.test.ts pins the functions; this
 * text states them for a reader of the export.
 */
export function describeRules(p: Parametrization, hp: MupHyperparams): TransferExport['rules'] {
  const mup = p === 'mup';
  const depth = mup && hp.depthAlpha !== 0;
  const a = hp.depthAlpha;
  const blockLr = depth ? ` × L^(${a - 1})` : '';
  const perRole: TransferRuleText[] = [
    {
      role: 'embedding',
      tensors: 'tok_emb (also the readout when tied)',
      init: `N(0, σ²), σ = ${fmt(hp.initStd)}`,
      lr: 'η',
      eps: 'ε',
      weightDecay: 'λ (lr·wd = η·λ)',
      forward: `(tok_emb + pos_emb) × α_in, α_in = ${fmt(hp.alphaIn)}`,
    },
    {
      role: 'position',
      tensors: 'pos_emb',
      init: 'N(0, σ²)',
      lr: 'η',
      eps: 'ε',
      weightDecay: 'λ (lr·wd = η·λ)',
      forward: '× α_in (with tok_emb)',
    },
    {
      role: 'hidden',
      tensors: 'blocks.*.attn.qkv, blocks.*.attn.out, blocks.*.mlp.in, blocks.*.mlp.out',
      init: 'N(0, σ²/m)' + (hp.zeroQuery ? '; query columns of qkv: 0' : ''),
      lr: (mup ? 'η/m' : 'η') + blockLr,
      eps: mup ? 'ε/m' : 'ε',
      weightDecay: mup ? `λ·m${depth ? ` × L^(${1 - a})` : ''} (lr·wd = η·λ)` : 'λ',
      forward: depth ? `residual branch × L^(-${a})` : '-',
    },
    {
      role: 'vector',
      tensors: 'layernorm gains and biases, linear biases',
      init: 'gain 1, bias 0',
      lr: 'η' + blockLr + (depth ? ' (inside blocks)' : ''),
      eps: 'ε',
      weightDecay: '0 (not decayed)',
      forward: '-',
    },
    {
      role: 'readout',
      tensors: 'readout (unembedding; tok_embᵀ when tied)',
      init: hp.zeroReadout ? '0 (zeroReadout)' : mup ? 'N(0, σ²)' : 'N(0, σ²/m)',
      lr: 'η',
      eps: 'ε',
      weightDecay: 'λ (lr·wd = η·λ)',
      forward: mup
        ? `logits × α_out/m, α_out = ${fmt(hp.alphaOut)} (mup MuReadout output_mult)`
        : `logits × α_out, α_out = ${fmt(hp.alphaOut)}`,
    },
    {
      role: 'attention',
      tensors: 'attention logits',
      init: '-',
      lr: '-',
      eps: '-',
      weightDecay: '-',
      forward: mup
        ? `softmax(α_attn·√d_base/d_head · q·k), α_attn = ${fmt(hp.alphaAttn)} (equal to SP at the base head size)`
        : `softmax(α_attn/√d_head · q·k), α_attn = ${fmt(hp.alphaAttn)}`,
    },
  ];
  if (depth) {
    perRole.push({
      role: 'depth',
      tensors: 'every residual branch and every tensor inside a block',
      init: '-',
      lr: `× L^(${a - 1})`,
      eps: '-',
      weightDecay: `× L^(${1 - a}) (lr·wd = η·λ)`,
      forward: `residual branch × L^(-${a}) (${a === 1 ? 'CompleteP' : 'depth-µP'})`,
    });
  }
  return {
    parametrization: p,
    widthMultiplier: 'm = fan_in / base_fan_in of each tensor (1 for embeddings)',
    depthMultiplier: depth
      ? `L = depth / base_depth, α = ${a}`
      : mup
        ? 'depth scaling off (depthAlpha = 0)'
        : 'SP: no depth scaling',
    source: 'µP Lab src/mup/rules.ts; microsoft/mup; Tensor Programs V (Table 8, Appendix B)',
    perRole,
    constant: 'β1, β2 and the gradient clip are the same for every tensor, width and depth',
  };
}

// ---- Building -------------------------------------------------------------------------------

/** Records as the analysis wants them: a diverged run's loss is NaN there (never in exports). */
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
  /** Vocabulary size of the prepared data. */
  vocab: number;
  /** Width (and depth, default: the base depth) at which to spell out per-tensor values. */
  targetWidth: number;
  targetDepth?: number;
  /** Whose tuned value to export; default µP when it was swept, else the first one. */
  parametrization?: Parametrization;
  environment: { adapter: string; labVersion?: string; date?: Date };
  /** analyzeSweep(toOutcomes(records)) when already computed. */
  analysis?: ParametrizationAnalysis[];
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
  const analysis = input.analysis ?? analyzeSweep(toOutcomes(input.records, config.axis));
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
    note = `No ${p === 'mup' ? 'µP' : 'SP'} run converged: the base value was kept.`;
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

  const runs = input.records.map((r) =>
    sanitizeRun(r, swept === 'lr' ? r.log2Hp : Math.log2(config.hp.lr)),
  );
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
      optima: analysis
        .filter((a): a is ParametrizationAnalysis & { parametrization: Parametrization } =>
          ['sp', 'mup'].includes(a.parametrization),
        )
        .map((a) => ({
          parametrization: a.parametrization,
          verdict: a.verdict,
          shiftOctaves: finiteOr(a.shiftOctaves, null),
          optima: a.optima
            .filter((o) => Number.isFinite(o.gridLoss) && Number.isFinite(o.fitLog2))
            .map((o) => ({
              width: o.width,
              gridLog2: o.gridLog2,
              gridLoss: o.gridLoss,
              fitLog2: o.fitLog2,
              atEdge: o.atEdge,
            })),
        })),
    },
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

/** e.g. mup-lab_mup_base32_2026-11-26.json */
export function exportFileName(doc: TransferExport): string {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(doc.environment.date)?.[0] ?? 'undated';
  return `mup-lab_${doc.parametrization}_base${doc.base.width}_${date}.json`;
}

/** The hyperparameters and shapes of an imported document, in the lab's own types. */
export function importedShapes(doc: TransferExport): { base: GptShape; target: GptShape } {
  return { base: exportShapeToGpt(doc.base), target: exportShapeToGpt(doc.target.shape) };
}

// ---- Import ---------------------------------------------------------------------------------

export type ImportResult = { ok: true; doc: TransferExport } | { ok: false; message: string };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** "evidence.runs[3].finalLoss" */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** The longest list any field accepts (runs, and losses per run). */
const LONGEST_LIST = Math.max(L.list, L.runs, L.lossesPerRun);

interface WalkNode {
  value: object;
  parent: WalkNode | undefined;
  key: PropertyKey;
  depth: number;
}

function pathOf(node: WalkNode | undefined, last?: PropertyKey): PropertyKey[] {
  const path: PropertyKey[] = last === undefined ? [] : [last];
  for (let n = node; n?.parent; n = n.parent) path.push(n.key);
  return path.reverse();
}

/**
 * The path of the first forbidden key, too-deep nesting or over-long list, walking without
 * recursion. Only objects and arrays are visited and paths are built only for the message, so a
 * 50 MB file of numbers is checked in a few milliseconds per MB.
 */
function findBadStructure(root: unknown): string | undefined {
  if (typeof root !== 'object' || root === null) return undefined;
  const stack: WalkNode[] = [{ value: root, parent: undefined, key: '', depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop() as WalkNode;
    const { value, depth } = node;
    if (depth > L.nesting) return `${formatPath(pathOf(node))}: nested too deeply`;
    if (Array.isArray(value)) {
      if (value.length > LONGEST_LIST) {
        return `${formatPath(pathOf(node))}: too many entries (${value.length}; at most ${LONGEST_LIST})`;
      }
      for (let i = value.length - 1; i >= 0; i--) {
        const v: unknown = value[i];
        if (typeof v === 'object' && v !== null)
          stack.push({ value: v, parent: node, key: i, depth: depth + 1 });
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        return `${formatPath(pathOf(node, key))}: the key "${key}" is not allowed`;
      }
      const v: unknown = (value as Record<string, unknown>)[key];
      if (typeof v === 'object' && v !== null)
        stack.push({ value: v, parent: node, key, depth: depth + 1 });
    }
  }
  return undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Reads an export file. Never throws; every failure is one line naming the field:
 * malformed JSON, a foreign format, another version, wrong types, non-finite numbers (1e999),
 * absurd sizes, and `__proto__`/`constructor`/`prototype` keys (JSON.parse stores them as own
 * properties, so nothing is polluted; they are rejected before any object is copied).
 */
export function parseImport(text: string): ImportResult {
  const fail = (message: string): ImportResult => ({ ok: false, message: oneLine(message) });
  try {
    if (typeof text !== 'string') return fail('The file is not text.');
    if (text.length > L.chars) {
      return fail(
        `The file is too large (${(text.length / 2 ** 20).toFixed(0)} MB; at most ${L.chars / 2 ** 20} MB).`,
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return fail(`Not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return fail('Not a µP Lab export: the file must contain a JSON object.');
    }
    const bad = findBadStructure(raw);
    if (bad) return fail(bad);
    const head = raw as Record<string, unknown>;
    if (head.format !== EXPORT_FORMAT) {
      const got = typeof head.format === 'string' ? `"${head.format.slice(0, 80)}"` : 'missing';
      return fail(
        `format: not a µP Lab transfer file (format is ${got}; expected "${EXPORT_FORMAT}")`,
      );
    }
    if (typeof head.version !== 'number' || !Number.isInteger(head.version)) {
      return fail(`version: must be an integer (got ${JSON.stringify(head.version) ?? 'nothing'})`);
    }
    if (head.version > EXPORT_VERSION) {
      return fail(
        `version: made by a newer version of µP Lab (v${head.version}); this lab reads v${EXPORT_VERSION}`,
      );
    }
    if (head.version !== EXPORT_VERSION) {
      return fail(`version: v${head.version} is not supported; this lab reads v${EXPORT_VERSION}`);
    }
    const parsed = transferExportSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const extra =
        parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
      return fail(`${formatPath(issue.path)}: ${message}${extra}`);
    }
    return { ok: true, doc: parsed.data };
  } catch (e) {
    return fail(`Could not read the file: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// The PyTorch snippet lives in pytorch.ts; re-exported so importers of export.ts keep working.
export { pytorchSnippet } from './pytorch';
