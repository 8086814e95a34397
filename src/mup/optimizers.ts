/**
 * The optimizers' per-tensor rules, one entry per optimizer: what learning rate, ε and decoupled
 * weight decay each tensor gets under each parametrization (whose exponents are rows of
 * parametrizations.ts). transfer() asks the run's optimizer
 * (hp.optimizer, AdamW when absent: files written before the field existed) for these values;
 * the GPU half of each optimizer (its state buffers and update kernels) lives in
 * src/train/optimizers/, keyed by the same name.
 */
import { z } from 'zod';
import {
  adamEps,
  DEFAULT_HYPERPARAMS,
  DEFAULT_MOMENTUM,
  adamLr,
  decoupledWeightDecay,
  depthLrFactor,
  sgdDepthLrFactor,
  sgdLr,
  momentumOf,
  type HyperparamError,
  type MupHyperparams,
  type TensorContext,
  validateSharedHyperparams,
} from './rules';
import {
  PARAMETRIZATION_TABLE,
  type MuonUpdateRule,
  type Parametrization,
} from './parametrizations';

/** Every optimizer the lab trains with: the one list of names. */
const NAMES = ['adamw', 'sgd', 'muon'] as const;
export const optimizerNameSchema = z.enum(NAMES, {
  error: (issue) =>
    `Optimizer must be one of ${NAMES.join(', ')} (got ${JSON.stringify(issue.input)})`,
});
export type OptimizerName = z.infer<typeof optimizerNameSchema>;
export const OPTIMIZER_NAMES: readonly OptimizerName[] = optimizerNameSchema.options;

/** What an optimizer's update needs per tensor. */
export interface TensorOptimizerValues {
  /** Learning rate before the schedule's factor. */
  lr: number;
  /** ε of an adaptive update (Adam's denominator); unused by optimizers without one. */
  eps: number;
  /** Decoupled weight decay wd_t for p -= lr_t · wd_t · p (lr_t · wd_t = η·λ, or 0). */
  weightDecay: number;
}

export interface OptimizerRules {
  name: OptimizerName;
  label: string;
  /** Where the rules come from (shown beside the per-tensor table). */
  source: string;
  tensor(p: Parametrization, hp: MupHyperparams, t: TensorContext): TensorOptimizerValues;
  /** The learning-rate factor of every tensor inside a residual block (depth scaling). */
  depthLrFactor(p: Parametrization, hp: MupHyperparams, depthMult: number): number;
  /**
   * The hyperparameters only this optimizer reads, in the order a form shows them (the shared
   * ones are in rules.ts): what the page, the CLI and the export show for it.
   */
  fields: readonly (keyof MupHyperparams)[];
  /** Checks of the hyperparameters only this optimizer reads (the shared ones: rules.ts). */
  validate(hp: MupHyperparams): HyperparamError[];
}

/** AdamW: Tensor Programs V, Table 8 (µP's Adam column) and microsoft/mup's MuAdamW. */
export const ADAMW_RULES: OptimizerRules = {
  name: 'adamw',
  label: 'AdamW',
  source: "Tensor Programs V, Table 8; microsoft/mup's MuAdamW",
  tensor(p, hp, t) {
    const lr = adamLr(p, hp, t);
    return { lr, eps: adamEps(p, hp, t), weightDecay: decoupledWeightDecay(hp, t, lr) };
  },
  depthLrFactor,
  fields: ['beta1', 'beta2', 'eps'],
  validate(hp) {
    const errors: HyperparamError[] = [];
    for (const field of ['beta1', 'beta2'] as const) {
      const v = hp[field];
      if (!Number.isFinite(v) || v < 0 || v >= 1) {
        errors.push({ field, message: `Adam ${field} must be in [0, 1) (got ${v})` });
      }
    }
    if (!Number.isFinite(hp.eps) || hp.eps <= 0) {
      errors.push({ field: 'eps', message: `Adam epsilon must be > 0 (got ${hp.eps})` });
    }
    return errors;
  },
};

/** Errors of a momentum μ (SGD's and Muon's): it must be in [0, 1). */
export function validateMomentum(hp: MupHyperparams): HyperparamError[] {
  const v = momentumOf(hp);
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v < 1) return [];
  return [{ field: 'momentum', message: `Momentum must be in [0, 1) (got ${String(v)})` }];
}

/**
 * SGD with heavy-ball momentum (buf = μ·buf + g; p -= lr·buf, torch.optim.SGD with dampening 0,
 * not Nesterov): microsoft/mup's MuSGD under µP, plain SGD under SP (rules.ts sgdLr).
 *
 * Weight decay is decoupled, as for AdamW: p -= lr_t · wd_t · p beside the momentum step, with
 * lr_t · wd_t = η·λ for every tensor (decoupledWeightDecay). MuSGD's default (decoupled_wd=False)
 * couples it through torch's SGD (g += wd·p) and divides weight_decay by the factor it multiplies
 * the lr by, so its lr_t · wd_t is η·λ as well: the same decay per step, here without passing
 * through the momentum buffer (which would multiply it by up to 1/(1-μ)). One decay convention
 * for every optimizer keeps λ comparable between AdamW and SGD runs. No ε.
 */
export const SGD_RULES: OptimizerRules = {
  name: 'sgd',
  label: 'SGD (momentum)',
  source: "microsoft/mup's MuSGD (mup/optim.py); plain SGD under SP",
  tensor(p, hp, t) {
    const lr = sgdLr(p, hp, t);
    // ε is unused by SGD: hp.eps is carried so that the values still read back to hp.
    return { lr, eps: hp.eps, weightDecay: decoupledWeightDecay(hp, t, lr) };
  },
  depthLrFactor: sgdDepthLrFactor,
  fields: ['momentum'],
  validate: validateMomentum,
};

// ---- Muon ------------------------------------------------------------------------------------

/** Muon's momentum when the hyperparameters name none (Keller Jordan's Muon default). */
export const MUON_DEFAULT_MOMENTUM = 0.95;
/** Newton-Schulz iterations when the hyperparameters name none (Keller Jordan's default). */
export const DEFAULT_NS_STEPS = 5;

/** The run's Muon momentum: hp.momentum, or MUON_DEFAULT_MOMENTUM. */
export function muonMomentumOf(hp: MupHyperparams): number {
  return hp.momentum ?? MUON_DEFAULT_MOMENTUM;
}

/** The run's Newton-Schulz step count: hp.nsSteps, or DEFAULT_NS_STEPS. */
export function nsStepsOf(hp: MupHyperparams): number {
  return hp.nsSteps ?? DEFAULT_NS_STEPS;
}

/**
 * Whether Muon (rather than its AdamW half) updates a tensor: the hidden matrices (q, k, v,
 * attention output, MLP in and out), as in modded-nanogpt and Moonlight; embeddings, readout,
 * gains and biases go to AdamW.
 */
export function isMuonTensor(t: Pick<TensorContext, 'role' | 'kind'>): boolean {
  return t.role === 'hidden' && t.kind === 'matrix';
}

/**
 * The matrices Muon orthogonalizes in a hidden tensor stored [fan_in, fan_out]: one, except the
 * fused qkv [d, 3d], whose q, k and v column blocks are three matrices (Muon treats q, k and v
 * as separate parameters in modded-nanogpt and Moonlight). Each is [rows = fanIn, cols] at
 * column `col` of the tensor.
 */
export function muonMatrices(
  name: string,
  shape: readonly number[],
): { col: number; rows: number; cols: number }[] {
  const [rows, cols] = shape;
  if (/\.attn\.qkv$/.test(name)) {
    if (cols % 3 !== 0) throw new Error(`${name}: qkv columns ${cols} are not divisible by 3`);
    const d = cols / 3;
    return [0, 1, 2].map((i) => ({ col: i * d, rows, cols: d }));
  }
  return [{ col: 0, rows, cols }];
}

/**
 * The factors on the orthogonalized update of one fan_in x fan_out matrix, one per rule of the
 * parametrization table (its `muonUpdate`):
 * - 'rms-match' (SP-Muon): Moonlight's RMS matching, 0.2·√max(fan_in, fan_out) (Liu et al. 2025,
 *   "Muon is Scalable for LLM Training", §2.2; MoonshotAI/Moonlight's adjust_lr_for_muon): the
 *   update's RMS becomes 0.2, AdamW's typical update RMS, so Muon reuses AdamW's learning rate;
 *   it grows as √width, so the optimal η shrinks with width.
 * - 'spectral' (µP-Muon): the spectral condition, √(fan_out/fan_in) (Yang, Simon and Bernstein
 *   2023, "A Spectral Condition for Feature Learning"; Keller Jordan's max(1, rows/cols)^0.5 is
 *   its one-sided form): an orthogonal update has spectral norm 1, so this gives
 *   ‖ΔW‖ = Θ(√(fan_out/fan_in)) at every width, and η transfers.
 */
const MUON_UPDATE_SCALES: Readonly<
  Record<MuonUpdateRule, (fanIn: number, fanOut: number) => number>
> = {
  'rms-match': (fanIn, fanOut) => 0.2 * Math.sqrt(Math.max(fanIn, fanOut)),
  spectral: (fanIn, fanOut) => Math.sqrt(fanOut / fanIn),
};

/** The factor on Muon's orthogonalized update of one fan_in x fan_out matrix under `p`. */
export function muonUpdateScale(p: Parametrization, fanIn: number, fanOut: number): number {
  if (!(fanIn > 0 && fanOut > 0)) throw new Error(`Bad Muon fans ${fanIn} x ${fanOut}`);
  return MUON_UPDATE_SCALES[PARAMETRIZATION_TABLE[p].muonUpdate](fanIn, fanOut);
}

/**
 * Muon (Keller Jordan 2024, github.com/KellerJordan/Muon; modded-nanogpt) on the hidden matrices,
 * AdamW on the rest. Hidden matrices: lr = η (× the depth rule's L^(α-1) inside blocks under
 * µP); the width dependence is in the update's scale (muonUpdateScale), not in the learning
 * rate. The AdamW tensors follow AdamW's SP or µP rules. Decoupled weight decay as AdamW's:
 * lr_t · wd_t = η·λ on every matrix.
 */
export const MUON_RULES: OptimizerRules = {
  name: 'muon',
  label: 'Muon',
  source:
    'Keller Jordan, Muon (modded-nanogpt); SP: Moonlight RMS matching (arXiv 2502.16982); ' +
    'µP: the spectral condition (arXiv 2310.17813)',
  tensor(p, hp, t) {
    if (!isMuonTensor(t)) return ADAMW_RULES.tensor(p, hp, t);
    const lr = hp.lr * (t.inBlock ? depthLrFactor(p, hp, t.depthMult) : 1);
    return { lr, eps: hp.eps, weightDecay: decoupledWeightDecay(hp, t, lr) };
  },
  depthLrFactor,
  fields: ['momentum', 'nsSteps', 'beta1', 'beta2', 'eps'],
  validate(hp) {
    const errors = ADAMW_RULES.validate(hp);
    const mu = muonMomentumOf(hp);
    if (typeof mu !== 'number' || !Number.isFinite(mu) || mu < 0 || mu >= 1) {
      errors.push({ field: 'momentum', message: `Momentum must be in [0, 1) (got ${mu})` });
    }
    const steps = nsStepsOf(hp);
    if (!Number.isInteger(steps) || steps < 1) {
      errors.push({
        field: 'nsSteps',
        message: `Newton-Schulz steps must be an integer >= 1 (got ${steps})`,
      });
    }
    return errors;
  },
};

export const OPTIMIZER_RULES: Readonly<Record<OptimizerName, OptimizerRules>> = Object.freeze({
  adamw: ADAMW_RULES,
  sgd: SGD_RULES,
  muon: MUON_RULES,
});

/** Labels of the optimizer-specific hyperparameters (each optimizer's `fields`), for forms. */
export const OPTIMIZER_FIELD_LABELS: Readonly<Partial<Record<keyof MupHyperparams, string>>> = {
  beta1: 'Adam β1',
  beta2: 'Adam β2',
  eps: 'Adam ε',
  momentum: 'Momentum',
  nsSteps: 'Newton-Schulz steps',
};

/** The run's optimizer name: hp.optimizer, or AdamW for hyperparameters written without one. */
export function optimizerNameOf(hp: MupHyperparams): OptimizerName {
  return hp.optimizer ?? 'adamw';
}

/** The rules of a run's optimizer; an unknown name is an error naming the field. */
export function optimizerRulesOf(hp: MupHyperparams): OptimizerRules {
  const name = optimizerNameOf(hp);
  const rules = (OPTIMIZER_RULES as Partial<Record<string, OptimizerRules>>)[name];
  if (!rules) throw new Error(`hp.optimizer: unknown optimizer ${JSON.stringify(name)}`);
  return rules;
}

/**
 * Errors in a hyperparameter set, empty when it is valid: the shared fields (rules.ts), the
 * optimizer's name, and the fields that optimizer reads. One message per field.
 */
export function validateHyperparams(hp: MupHyperparams): HyperparamError[] {
  const errors = validateSharedHyperparams(hp);
  const name: unknown = hp.optimizer ?? 'adamw';
  const parsed = optimizerNameSchema.safeParse(name);
  if (!parsed.success) {
    errors.push({
      field: 'optimizer',
      message: `Optimizer must be one of ${OPTIMIZER_NAMES.join(', ')} (got ${JSON.stringify(name)})`,
    });
    return errors;
  }
  return errors.concat(OPTIMIZER_RULES[parsed.data].validate(hp));
}

/**
 * What an optimizer's own fields are set to when it is chosen without them (the form's
 * Optimizer select, `--optimizer` without `--momentum`): each optimizer's reference defaults,
 * SGD's momentum 0.9 (torch and MuSGD examples), Muon's 0.95 and 5 Newton-Schulz steps (Keller
 * Jordan's Muon).
 */
export function optimizerDefaults(name: OptimizerName): Partial<MupHyperparams> {
  switch (name) {
    case 'sgd':
      return { momentum: DEFAULT_MOMENTUM };
    case 'muon':
      return { momentum: MUON_DEFAULT_MOMENTUM, nsSteps: DEFAULT_NS_STEPS };
    case 'adamw':
      return {};
  }
}

/**
 * The hyperparameters after switching to `next`: its defaults replace the fields still at the
 * previous optimizer's defaults (or unset); a value the user chose is kept.
 */
export function switchOptimizer(hp: MupHyperparams, next: OptimizerName): MupHyperparams {
  const before = optimizerDefaults(optimizerNameOf(hp));
  const out: MupHyperparams = { ...hp, optimizer: next };
  for (const [field, value] of Object.entries(optimizerDefaults(next)) as Array<
    [keyof MupHyperparams, number]
  >) {
    const current = hp[field];
    if (
      current === undefined ||
      current === before[field] ||
      current === DEFAULT_HYPERPARAMS[field]
    )
      Object.assign(out, { [field]: value });
  }
  return out;
}
