/**
 * Builds the export document (src/sweep/exportSchema.ts) of a finished sweep: the tuned value
 * of the swept hyperparameter, the transfer rules and per-tensor values at a target width, and
 * the evidence; and the PyTorch snippet of a document.
 */
import type { MupHyperparams, Parametrization } from '../mup/rules';
import { mupPytorchHints, transfer } from '../mup/transfer';
import { analyzeSweep, tunedLog2, type ParametrizationAnalysis, type RunOutcome } from './analysis';
import {
  hpGrid,
  shapeFor,
  SWEPT_HP_LABELS,
  type ExportedSweepConfig,
  type SweepConfig,
} from './config';
import { describeRules } from './exportRules';
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportedRun,
  type TransferExport,
} from './exportSchema';
import { toExportShape } from './exportShapes';
import { IMPORT_LIMITS as L } from './schemaParts';
import type { RunRecord } from './types';
import packageJson from '../../package.json' with { type: 'json' };

/** This lab's version (package.json), written into every export. */
export const LAB_VERSION: string = packageJson.version;

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

// ---- PyTorch --------------------------------------------------------------------------------

/** A JS number as a Python literal (finite by construction of the document). */
function py(x: number): string {
  if (!Number.isFinite(x)) return 'float("nan")';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  return String(x).replace('e+', 'e');
}

const pyBool = (b: boolean) => (b ? 'True' : 'False');

/**
 * Python that sets up microsoft/mup with the document's values: base shapes, MuReadout
 * (output_mult), MuAdamW (lr, betas, eps, weight decay), an explicit init, and notes for what
 * mup does not do (ε/m, attention scale, α_in, zero-init, depth scaling).
 */
export function pytorchSnippet(doc: TransferExport): string {
  const hp = doc.hyperparameters;
  const b = doc.base;
  const t = doc.target.shape;
  const pt = doc.pytorch;
  const m = pt.manual;
  const widthMult = t.width / b.width;
  const hidden = pt.tensors.find((x) => x.ninf === 2);
  const hiddenStd = hidden ? hidden.initStd : hp.initStd / Math.sqrt(widthMult);
  const hiddenEps = hidden ? hidden.eps : hp.eps / widthMult;
  const hiddenLr = hidden ? hidden.muAdamLr : hp.lr / widthMult;
  const tuned = doc.tuning;
  const depthOn = m.residualMult !== 1 || m.depthLrFactor !== 1;
  const headLine =
    b.fixed === 'heads'
      ? `HEADS = ${b.heads}  # fixed head count: head size = d_model / HEADS (${b.headSize} at the base)`
      : `HEAD_SIZE = ${b.headSize}  # fixed head size: heads = d_model / HEAD_SIZE (${b.heads} at the base)`;
  const lines: string[] = [
    `# µP Lab export (${doc.format} v${doc.version}), ${doc.environment.date.slice(0, 10)}, lab ${doc.environment.labVersion}`,
    `# Tuned under ${doc.parametrization === 'mup' ? 'µP' : 'SP'}: ${tuned.label} = ${py(tuned.value)}` +
      (tuned.log2 !== null ? ` (log2 = ${tuned.log2.toFixed(3)})` : '') +
      `. ${tuned.note}`,
  ];
  if (doc.parametrization === 'sp') {
    lines.push(
      '# SP and µP are the same model at the base shape, so values tuned there under SP are',
      '# valid µP base values; µP (below) is what carries them to other widths.',
    );
  }
  lines.push(
    '# pip install mup',
    'import torch',
    'from mup import MuReadout, MuAdamW, set_base_shapes',
    '',
    '# ---- Base shapes (the model the hyperparameters were tuned at) ----',
    `BASE_WIDTH = ${b.width}  # d_model`,
    `BASE_DEPTH = ${b.depth}`,
    headLine,
    `MLP_RATIO = ${py(b.mlpRatio)}`,
    `VOCAB = ${b.vocab}`,
    `CONTEXT = ${b.context}`,
    `TARGET_WIDTH = ${t.width}`,
    `TARGET_DEPTH = ${t.depth}`,
    `WIDTH_MULT = TARGET_WIDTH / BASE_WIDTH  # m = ${py(widthMult)}`,
    '',
    '# ---- Tuned base hyperparameters ----',
    `LR = ${py(hp.lr)}  # η: MuAdamW divides it by m on hidden matrices -> ${py(hiddenLr)} at the target`,
    `INIT_STD = ${py(hp.initStd)}  # σ`,
    `OUTPUT_MULT = ${py(hp.alphaOut)}  # α_out: MuReadout(output_mult=OUTPUT_MULT); logits × α_out / m`,
    `ALPHA_IN = ${py(hp.alphaIn)}  # α_in: multiply tok_emb(x) + pos_emb(t) by this (mup does not)`,
    `ALPHA_ATTN = ${py(hp.alphaAttn)}`,
    `ATTN_SCALE = ${py(m.attnScale)}  # at the target: α_attn·√d_base/d_head, replaces 1/√d_head`,
    `WEIGHT_DECAY = ${py(hp.weightDecay)}  # λ (decoupled: MuAdamW keeps lr·wd = η·λ)`,
    `BETAS = (${py(hp.beta1)}, ${py(hp.beta2)})`,
    `EPS = ${py(hp.eps)}  # ε at the base; hidden matrices use ε/m = ${py(hiddenEps)} at the target`,
    `GRAD_CLIP = ${py(hp.clip)}  # clip_grad_norm_ max norm (0 = off)`,
    `ZERO_READOUT = ${pyBool(pt.muReadout.readoutZeroInit)}`,
    `ZERO_QUERY = ${pyBool(hp.zeroQuery)}`,
  );
  if (depthOn) {
    lines.push(
      `RESIDUAL_MULT = ${py(m.residualMult)}  # depth scaling: multiply every residual branch by this`,
      `DEPTH_LR_FACTOR = ${py(m.depthLrFactor)}  # multiply the lr of every in-block param group`,
    );
  }
  lines.push(
    '',
    '# ---- In your model (mup does not do these for you) ----',
    '# 1. Input:     h = ALPHA_IN * (self.tok_emb(idx) + self.pos_emb(pos))',
    pt.muReadout.shared
      ? '# 2. Readout:   self.readout = MuSharedReadout(self.tok_emb.weight, bias=False, output_mult=OUTPUT_MULT)'
      : '# 2. Readout:   self.readout = MuReadout(d_model, VOCAB, bias=False, output_mult=OUTPUT_MULT,\n' +
          '#                                        readout_zero_init=ZERO_READOUT)',
    '# 3. Attention: att = (q @ k.transpose(-2, -1)) * ATTN_SCALE   # not / sqrt(d_head)',
    `#    (mup's Transformer example: attn_mult = ${py(m.exampleAttnMult)}, scaling = attn_mult**0.5 / d_head)`,
    `#    ATTN_SCALE is for head size ${py(doc.target.multipliers.headSize)}; in general ALPHA_ATTN * ${py(b.headSize)}**0.5 / d_head.`,
  );
  if (depthOn) lines.push('# 4. Depth:     h = h + RESIDUAL_MULT * block(h) for every branch');
  lines.push(
    '',
    '# ---- Base shapes: the same model code at the base width, and at twice it ----',
    'model = GPT(d_model=TARGET_WIDTH, n_layer=TARGET_DEPTH)   # your model class',
    'base = GPT(d_model=BASE_WIDTH, n_layer=TARGET_DEPTH)      # mup needs the same parameter names',
    'delta = GPT(d_model=2 * BASE_WIDTH, n_layer=TARGET_DEPTH)  # marks which dims scale with width',
    'set_base_shapes(model, base, delta=delta, rescale_params=False)',
    '',
    '# ---- Init, explicit (rescale_params=False above: nothing is rescaled behind your back) ----',
    '@torch.no_grad()',
    'def mup_init_(model):',
    '    for name, p in model.named_parameters():',
    '        if p.dim() < 2:',
    "            if name.endswith('bias'):",
    '                p.zero_()  # biases 0; layernorm gains keep 1',
    '        elif p.infshape.ninf() == 2:  # hidden matrix: std σ/√m, m = fan-in multiplier',
    `            p.normal_(0.0, INIT_STD / p.infshape.width_mult() ** 0.5)  # ${py(hiddenStd)} at the target`,
    '        else:  # embeddings and the readout: std σ at every width',
    '            p.normal_(0.0, INIT_STD)',
    '    if ZERO_READOUT:',
    '        model.readout.weight.zero_()',
    '    if ZERO_QUERY:  # nn.Linear qkv weight is [3d, d]: rows [0, d) are the queries',
    '        for block in model.blocks:',
    '            block.attn.qkv.weight[: block.attn.qkv.in_features].zero_()',
    '',
    'mup_init_(model)',
    '',
    '# ---- Optimizer: gains and biases are not decayed; hidden matrices get ε/m ----',
    'decay = [p for p in model.parameters() if p.dim() >= 2]',
    'no_decay = [p for p in model.parameters() if p.dim() < 2]',
    'optimizer = MuAdamW(',
    "    [{'params': decay, 'weight_decay': WEIGHT_DECAY}, {'params': no_decay, 'weight_decay': 0.0}],",
    '    lr=LR, betas=BETAS, eps=EPS,',
    ')',
    'for group in optimizer.param_groups:',
    "    if group['params'] and all(p.infshape.ninf() == 2 for p in group['params']):",
    "        group['eps'] = EPS / group['params'][0].infshape.width_mult()",
  );
  if (depthOn) {
    lines.push(
      '# Depth scaling: multiply the lr of param groups inside the blocks by DEPTH_LR_FACTOR',
      '# (split them into their own groups first).',
    );
  }
  lines.push(
    '# In the training loop: torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)',
    '',
    '# Our matrices are [in, out] (y = x·W); nn.Linear stores [out, in]. Base shapes (torch layout):',
  );
  for (const [name, shape] of Object.entries(pt.baseShapes)) {
    if (/^blocks\.(?!0\.)/.test(name)) continue;
    lines.push(`#   ${name}: [${shape.join(', ')}]`);
  }
  if (t.depth > 1) lines.push('#   (blocks 1.. like block 0)');
  return lines.join('\n') + '\n';
}
