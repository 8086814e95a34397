/**
 * The µP rules (docs/ARCHITECTURE.md, "The µP rules as implemented"), each stated once, as pure
 * functions of the hyperparameters tuned at the base model and the tensor's multipliers. What
 * differs between parametrizations (the exponents below, per tensor role) is data: each function
 * reads its parametrization's row of parametrizations.ts.
 *
 *   m = fan_in / base_fan_in of the tensor (1 for embeddings, whose fan-in is the vocabulary
 *       or context, not the width); L = depth / base_depth.
 *
 * | tensor                | SP init   | SP LR | µP init            | µP LR | forward (both)       |
 * |-----------------------|-----------|-------|--------------------|-------|----------------------|
 * | tok/pos embedding     | σ         | η     | σ                  | η     | × α_in               |
 * | hidden matrices       | σ/√m      | η     | σ/√m (q: 0 opt.)   | η/m   |                      |
 * | LN gains/biases, bias | 1 / 0     | η     | 1 / 0              | η     |                      |
 * | readout               | σ/√m      | η     | σ, or 0            | η     | SP: × α_out, µP: × α_out/m |
 * | attention logits      |           |       |                    |       | SP: α_attn·q·k/√d_head; µP: α_attn·√d_base·q·k/d_head |
 *
 * Choices made where the table leaves room (each one is pinned by rules.test.ts):
 *
 * - Multipliers under SP. SP applies α_in, α_out and α_attn as constants (no width factor):
 *   logits × α_out (×1 at the default α_out = 1), attention α_attn/√d_head. µP divides the
 *   logits by m and the attention logits by d_head instead of √d_head. So at the base shape
 *   (m = 1, d_head = d_base) SP and µP are the same model, which must hold for any
 *   parametrization of the same base model (a parametrization only says how values change
 *   with width; at the base they are the tuned values themselves).
 *
 * - Attention scale. µP: α_attn · √d_base / d_head, where d_base is the base model's head
 *   size. At d_head = d_base this is α_attn/√d_base, SP's value, as the table asks ("scaled
 *   to equal SP at the base head size"); away from it, it falls as 1/d_head (µP) instead of
 *   1/√d_head (SP). In fixed-head-size mode d_head = d_base at every width, so the two agree.
 *   microsoft/mup's Transformer example (examples/Transformer/model.py) uses
 *   `scaling = head_dim**-1 * sqrt(attn_mult)` under µP: ours is attn_mult = α_attn²·d_base.
 *
 * - Readout. µP logits = h · W · α_out / m with W ~ N(0, σ²) (or 0). This is microsoft/mup's
 *   MuReadout: forward(x) = Linear(output_mult · x / width_mult), width_mult = d / d_base, and
 *   set_base_shapes(rescale_params=True) multiplies the default 1/√fan_in init by
 *   √width_mult, giving a width-independent std. SP: W ~ N(0, σ²/m), logits × α_out.
 *
 * - Zero initialisations (zeroQuery, zeroReadout) are width-independent choices tuned at the
 *   base; they are honoured under SP too, so that SP and µP stay equal at the base shape.
 *   A tied readout is the token embedding: it follows the embedding rules and is never
 *   zeroed (that would zero the input too).
 *
 * - Weight decay is decoupled (AdamW as in PyTorch: p -= lr_t · wd_t · p beside the Adam step) and
 *   lr_t · wd_t is held at η·λ for every tensor: wd_t = λ · η / lr_t. Under µP a hidden
 *   matrix with lr_t = η/m therefore stores wd_t = λ·m. This is exactly microsoft/mup's
 *   MuAdamW, which for matrix-like parameters does `lr /= width_mult; weight_decay *=
 *   width_mult`. Only matrices (embeddings, hidden, readout) decay; gains and biases get 0
 *   (GPT-2/nanoGPT practice, and the optimizer groups of EleutherAI/nanoGPT-mup).
 *
 * - Adam ε. Under µP hidden matrices use ε/m (their gradients shrink as 1/m, so a constant ε
 *   would grow relative to √v with width); every other tensor and SP use ε.
 *
 * - Depth (µP only, optional), a named option (DEPTH_SCALINGS): none (α = 0), depth-µP
 *   (α = 1/2) or CompleteP (α = 1; Dey et al. 2025, "Don't be lazy: CompleteP enables
 *   compute-efficient deep transformers", Table 1). With α ∈ {1/2, 1}: each residual branch
 *   × L^-α; the learning rate of every tensor inside a residual block (hidden matrices and the
 *   block's LayerNorm gains and biases and linear biases) × L^(α-1); and the Adam ε of every
 *   tensor inside a block × L^-α (hidden matrices: ε·m^-1·L^-α). These follow the reference
 *   implementation, EleutherAI/nanoGPT-mup branch completep, model.py configure_optimizers:
 *   hidden LN and bias groups get lr_scale = L^(α-1), hidden weights (1/m)·L^(α-1), and
 *   adam_eps *= (1/m)·L^-α. One deliberate difference: that code has one ε for all groups, so
 *   its embeddings, final LN and readout get ε·m^-1·L^-α as well; we keep ε there, since their
 *   gradients carry no residual-branch factor (and no 1/m: DESIGN's width rule). α = 0 means
 *   depth scaling off: every factor is 1 (not L^-1, which no published parametrization uses).
 *   SP ignores depthAlpha. Weight decay follows the rule above (lr·wd = η·λ), so a hidden
 *   matrix under depth scaling stores wd_t = λ·m·L^(1-α); the reference stores λ·m (equal
 *   for CompleteP, where L^(1-α) = 1).
 *
 * - β1, β2 and the gradient clip are the same for every tensor and width.
 */
import type { OptimizerName } from './optimizers';
import {
  depthFactor,
  PARAMETRIZATION_TABLE,
  scaled,
  type Parametrization,
} from './parametrizations';
import type { TensorKind, TensorRole } from './shapes';

export type { Parametrization } from './parametrizations';
/** Every depth option (0 off, 0.5 depth-µP, 1 CompleteP); the golden tables enumerate them. */
export const DEPTH_ALPHAS = [0, 0.5, 1] as const;
export type DepthAlpha = (typeof DEPTH_ALPHAS)[number];

/** The named depth options: the stored value is α (hp.depthAlpha), so older files map as is. */
export type DepthScaling = 'none' | 'depth-mup' | 'completep';

export const DEPTH_SCALINGS: Readonly<
  Record<DepthScaling, { alpha: DepthAlpha; label: string; source: string }>
> = Object.freeze({
  none: { alpha: 0, label: 'none', source: 'width-only µP (Tensor Programs V)' },
  'depth-mup': {
    alpha: 0.5,
    label: 'depth-µP (α = 1/2)',
    source: 'Yang et al. 2023, Tensor Programs VI (Depth-µP)',
  },
  completep: {
    alpha: 1,
    label: 'CompleteP (α = 1)',
    source: 'Dey et al. 2025, CompleteP; EleutherAI/nanoGPT-mup branch completep',
  },
});

/** The named option of a depth exponent. */
export function depthScalingOf(alpha: DepthAlpha): DepthScaling {
  return alpha === 1 ? 'completep' : alpha === 0.5 ? 'depth-mup' : 'none';
}

export interface MupHyperparams {
  /** Base learning rate η. */
  lr: number;
  /** Base init std σ. */
  initStd: number;
  /** Input (embedding) multiplier α_in. */
  alphaIn: number;
  /** Output (logit) multiplier α_out. */
  alphaOut: number;
  /** Attention logit multiplier α_attn. */
  alphaAttn: number;
  /** Decoupled weight decay λ (applied as lr_t·wd_t = η·λ). */
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Adam ε at the base width. */
  eps: number;
  /** Global gradient-norm clip; 0 disables clipping. */
  clip: number;
  /** Initialise the readout to zero. */
  zeroReadout: boolean;
  /** Initialise the query columns of the qkv matrices to zero. */
  zeroQuery: boolean;
  /** Depth scaling exponent: 0 off, 0.5 depth-µP, 1 CompleteP (named in DEPTH_SCALINGS). */
  depthAlpha: DepthAlpha;
  /**
   * The optimizer whose per-tensor rules apply (src/mup/optimizers.ts); absent in files written
   * before there was a choice, which trained with AdamW.
   */
  optimizer?: OptimizerName;
  /**
   * Momentum μ of the optimizers that keep a momentum buffer (SGD: buf = μ·buf + g; Muon), in
   * [0, 1); absent in files written before there was one (SGD then reads DEFAULT_MOMENTUM, Muon
   * its own 0.95).
   */
  momentum?: number;
  /** Muon's Newton-Schulz iterations (an integer >= 1); absent: 5, Keller Jordan's default. */
  nsSteps?: number;
}

/** SGD's momentum when the hyperparameters name none (the form's default for every optimizer). */
export const DEFAULT_MOMENTUM = 0.9;

/** The run's momentum: hp.momentum, or DEFAULT_MOMENTUM in files written without one. */
export function momentumOf(hp: MupHyperparams): number {
  return hp.momentum ?? DEFAULT_MOMENTUM;
}

export const DEFAULT_HYPERPARAMS: Readonly<MupHyperparams> = Object.freeze({
  lr: 3e-3,
  initStd: 0.02,
  alphaIn: 1,
  alphaOut: 1,
  alphaAttn: 1,
  weightDecay: 0,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  clip: 1,
  zeroReadout: false,
  zeroQuery: false,
  depthAlpha: 0,
  optimizer: 'adamw',
  momentum: DEFAULT_MOMENTUM,
  nsSteps: 5,
});

/** Fields that files written before they existed lack (each has a default meaning its absence). */
export const OPTIONAL_HYPERPARAMS: ReadonlySet<string> = new Set([
  'optimizer',
  'momentum',
  'nsSteps',
]);

export interface HyperparamError {
  field: keyof MupHyperparams;
  message: string;
}

/**
 * Errors in the hyperparameters every optimizer reads, empty when they are valid. The whole set
 * (with the optimizer's own fields) is checked by validateHyperparams in optimizers.ts.
 */
export function validateSharedHyperparams(hp: MupHyperparams): HyperparamError[] {
  const errors: HyperparamError[] = [];
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const positive = (field: keyof MupHyperparams, label: string) => {
    const v = hp[field];
    if (!finite(v) || v <= 0) errors.push({ field, message: `${label} must be > 0 (got ${v})` });
  };
  positive('lr', 'Learning rate');
  positive('initStd', 'Init std');
  positive('alphaIn', 'Input multiplier');
  positive('alphaOut', 'Output multiplier');
  positive('alphaAttn', 'Attention multiplier');
  if (!finite(hp.weightDecay) || hp.weightDecay < 0) {
    errors.push({
      field: 'weightDecay',
      message: `Weight decay must be ≥ 0 (got ${hp.weightDecay})`,
    });
  }
  if (!finite(hp.clip) || hp.clip < 0) {
    errors.push({ field: 'clip', message: `Gradient clip must be ≥ 0, 0 = off (got ${hp.clip})` });
  }
  if (typeof hp.zeroReadout !== 'boolean') {
    errors.push({ field: 'zeroReadout', message: 'zeroReadout must be a boolean' });
  }
  if (typeof hp.zeroQuery !== 'boolean') {
    errors.push({ field: 'zeroQuery', message: 'zeroQuery must be a boolean' });
  }
  if (hp.depthAlpha !== 0 && hp.depthAlpha !== 0.5 && hp.depthAlpha !== 1) {
    errors.push({
      field: 'depthAlpha',
      message: `Depth exponent must be 0 (off), 0.5 or 1 (got ${String(hp.depthAlpha)})`,
    });
  }
  return errors;
}

/** Width multiplier of one tensor: m = fan_in / base_fan_in. */
export function widthMultiplier(fanIn: number, baseFanIn: number): number {
  if (!(fanIn > 0 && baseFanIn > 0)) throw new Error(`Bad fan-in ${fanIn} / base ${baseFanIn}`);
  return fanIn / baseFanIn;
}

/** Depth multiplier L = depth / base_depth. */
export function depthMultiplier(depth: number, baseDepth: number): number {
  if (!(depth > 0 && baseDepth > 0)) throw new Error(`Bad depth ${depth} / base ${baseDepth}`);
  return depth / baseDepth;
}

/** What a rule needs to know about one tensor. */
export interface TensorContext {
  role: TensorRole;
  kind: TensorKind;
  /** m = fan_in / base_fan_in. */
  m: number;
  /**
   * fan_out / base_fan_out: the multiplier of the output dimension (embeddings' and vectors'
   * width-like dimension; 1 for the readout, whose fan-out is the vocabulary).
   */
  mOut: number;
  /** Inside a residual block (its learning rate follows the depth rule). */
  inBlock: boolean;
  /** L = depth / base_depth. */
  depthMult: number;
}

/** Initial distribution N(mean, std²) (std 0: the constant `mean`). */
export interface InitRule {
  mean: number;
  std: number;
}

// ---- Table columns "init std" -------------------------------------------------------------

/** The table's row key of a tensor: its role for matrices, 'vector' for gains and biases. */
function roleOf(t: Pick<TensorContext, 'role' | 'kind'>): TensorRole {
  return t.kind === 'matrix' ? t.role : 'vector';
}

/** Init of one tensor (the init columns: σ·m^e per role). Query columns: queryInitStd(). */
export function initRule(p: Parametrization, hp: MupHyperparams, t: TensorContext): InitRule {
  if (t.kind === 'gain') return { mean: 1, std: 0 };
  if (t.kind === 'bias') return { mean: 0, std: 0 };
  if (t.role === 'vector') throw new Error('A vector tensor must be a gain or a bias');
  if (t.role === 'readout' && hp.zeroReadout) return { mean: 0, std: 0 };
  return { mean: 0, std: scaled(hp.initStd, t.m, PARAMETRIZATION_TABLE[p].initStd[t.role]) };
}

/** Std of the query columns of a qkv matrix: 0 when zeroQuery, else the hidden rule. */
export function queryInitStd(p: Parametrization, hp: MupHyperparams, m: number): number {
  if (hp.zeroQuery) return 0;
  const t = { role: 'hidden', kind: 'matrix', m, mOut: m, inBlock: true, depthMult: 1 } as const;
  return initRule(p, hp, t).std;
}

// ---- Depth rules --------------------------------------------------------------------------

/** Residual branch multiplier: L^-α under µP with depth scaling on, else 1 (the table's depth). */
export function residualMultiplier(p: Parametrization, hp: MupHyperparams, depthMult: number) {
  return depthFactor(PARAMETRIZATION_TABLE[p].depth?.residual, hp.depthAlpha, depthMult);
}

/** Adam ε factor for tensors inside residual blocks: L^-α under µP with depth scaling, else 1. */
export function depthEpsFactor(p: Parametrization, hp: MupHyperparams, depthMult: number): number {
  return depthFactor(PARAMETRIZATION_TABLE[p].depth?.adamEps, hp.depthAlpha, depthMult);
}

/** Learning-rate factor for tensors inside residual blocks: L^(α-1) under µP, else 1. */
export function depthLrFactor(p: Parametrization, hp: MupHyperparams, depthMult: number): number {
  return depthFactor(PARAMETRIZATION_TABLE[p].depth?.adamLr, hp.depthAlpha, depthMult);
}

// ---- Table columns "Adam LR", ε, weight decay ---------------------------------------------

/** Adam learning rate of one tensor (the LR columns: η·m^e per role, and the depth rule). */
export function adamLr(p: Parametrization, hp: MupHyperparams, t: TensorContext): number {
  const width = scaled(1, t.m, PARAMETRIZATION_TABLE[p].adamLr[roleOf(t)]);
  const depth = t.inBlock ? depthLrFactor(p, hp, t.depthMult) : 1;
  return hp.lr * width * depth;
}

/**
 * Adam ε of one tensor: ε/m on hidden matrices under µP, ε otherwise (ε·m^e per role); with
 * depth scaling every tensor inside a block also × L^-α (its gradient shrinks with the branch
 * multiplier).
 */
export function adamEps(p: Parametrization, hp: MupHyperparams, t: TensorContext): number {
  const eps = scaled(hp.eps, t.m, PARAMETRIZATION_TABLE[p].adamEps[roleOf(t)]);
  return t.inBlock ? eps * depthEpsFactor(p, hp, t.depthMult) : eps;
}

/**
 * SGD learning rate of one tensor (η · m^a · mOut^b per role): microsoft/mup's MuSGD
 * (mup/optim.py) under µP, η under SP. MuSGD sorts tensors by their number of width-like
 * dimensions (InfShape.ninf()):
 * - one (vector-like: embeddings [V or T, d], the readout [d, V], LayerNorm gains and biases,
 *   linear biases): lr = η · width_mult, where width_mult is that one dimension's multiplier:
 *   the output dimension's (mOut = d / d_base, or the MLP width's) for embeddings and vectors,
 *   the fan-in's (m = d / d_base) for the readout (MuReadout's α_out/m makes its gradient 1/m
 *   smaller, and the LR makes up for it);
 * - two (hidden matrices): lr = η / (fan_in mult / fan_out mult) = η · mOut / m, which is η
 *   when both dimensions grow together (the MLP ratio held).
 * Depth (not part of MuSGD): with α ∈ {1/2, 1} every tensor inside a block × L^(2α-1), so that
 * each block's effect on the output is Θ(1/L) as for Adam's L^(α-1): an SGD update is
 * proportional to its gradient, which carries the branch multiplier L^-α once more than Adam's
 * normalised update. At α = 1/2 it is 1: Tensor Programs VI's Depth-µP for SGD (branch
 * multiplier a/√L, learning rate η).
 */
export function sgdLr(p: Parametrization, hp: MupHyperparams, t: TensorContext): number {
  const e = PARAMETRIZATION_TABLE[p].sgdLr[roleOf(t)];
  const width = scaled(scaled(1, t.mOut, e.mOut), t.m, e.m);
  const depth = t.inBlock ? sgdDepthLrFactor(p, hp, t.depthMult) : 1;
  return hp.lr * width * depth;
}

/** SGD's learning-rate factor inside residual blocks: L^(2α-1) under µP (sgdLr), else 1. */
export function sgdDepthLrFactor(p: Parametrization, hp: MupHyperparams, depthMult: number) {
  return depthFactor(PARAMETRIZATION_TABLE[p].depth?.sgdLr, hp.depthAlpha, depthMult);
}

/** Whether a tensor is weight-decayed at all (matrices yes, gains and biases no). */
export function isDecayed(t: Pick<TensorContext, 'kind'>): boolean {
  return t.kind === 'matrix';
}

/**
 * The per-tensor decoupled weight decay wd_t (p -= lr_t · wd_t · p) of a tensor whose learning
 * rate is lr_t: λ·η/lr_t, so that lr_t · wd_t = η·λ for every tensor, width and depth, whatever
 * the optimizer's LR rule. 0 for gains and biases.
 */
export function decoupledWeightDecay(
  hp: MupHyperparams,
  t: Pick<TensorContext, 'kind'>,
  lr: number,
): number {
  if (!isDecayed(t) || hp.weightDecay === 0) return 0;
  return (hp.weightDecay * hp.lr) / lr;
}

/** AdamW's per-tensor weight decay (decoupledWeightDecay at the Adam learning rate). */
export function weightDecay(p: Parametrization, hp: MupHyperparams, t: TensorContext): number {
  return decoupledWeightDecay(hp, t, adamLr(p, hp, t));
}

// ---- Table column "forward" ---------------------------------------------------------------

/** Multiplier on the embedding output (tok_emb + pos_emb): α_in under both. */
export function inputMultiplier(_p: Parametrization, hp: MupHyperparams): number {
  return hp.alphaIn;
}

/** Logit multiplier: α_out / m under µP (m = d / d_base), α_out under SP (α_out·m^e). */
export function readoutMultiplier(p: Parametrization, hp: MupHyperparams, m: number): number {
  return scaled(hp.alphaOut, m, PARAMETRIZATION_TABLE[p].readoutMult);
}

/**
 * Attention logit scale (softmax(scale · q·k)): SP α_attn / √d_head; µP α_attn·√d_base/d_head,
 * equal to SP at d_head = d_base. In general α_attn/√d_base · (d_head/d_base)^e, written as SP's
 * value × (d_base/d_head)^(-e-1/2) so that it is bit-identical to SP at d_head = d_base.
 */
export function attentionScale(
  p: Parametrization,
  hp: MupHyperparams,
  headSize: number,
  baseHeadSize: number,
): number {
  const sp = hp.alphaAttn / Math.sqrt(headSize);
  const e = PARAMETRIZATION_TABLE[p].attentionHeadSize;
  return scaled(sp, baseHeadSize / headSize, -e - 0.5);
}
