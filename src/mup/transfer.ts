/**
 * transfer(): hyperparameters tuned at a base model -> the concrete per-tensor values (init,
 * learning rate, ε, weight decay) and forward multipliers of a target model, under any
 * parametrization (parametrizations.ts).
 * The rules themselves live in rules.ts; this module only applies them tensor by tensor.
 * recoverHyperparams() inverts transfer(), and mupPytorchHints() restates the result in the
 * terms of the PyTorch `mup` package (microsoft/mup).
 */
import {
  DEFAULT_NS_STEPS,
  nsStepsOf,
  OPTIMIZER_RULES,
  optimizerRulesOf,
  validateHyperparams,
} from './optimizers';
import {
  attentionScale,
  DEFAULT_HYPERPARAMS,
  DEFAULT_MOMENTUM,
  DEPTH_SCALINGS,
  depthScalingOf,
  depthMultiplier,
  initRule,
  inputMultiplier,
  momentumOf,
  queryInitStd,
  readoutMultiplier,
  residualMultiplier,
  widthMultiplier,
  type DepthAlpha,
  type MupHyperparams,
  type Parametrization,
  type TensorContext,
} from './rules';
import type { OptimizerName } from './optimizers';
import {
  PARAMETRIZATION_LABELS,
  PARAMETRIZATION_TABLE,
  PARAMETRIZATIONS,
  scaled,
} from './parametrizations';
import {
  assertGptShape,
  gptTensors,
  headSizeOf,
  mlpRatioOf,
  type GptShape,
  type TensorKind,
  type TensorRole,
} from './shapes';

export interface TensorValues {
  name: string;
  role: TensorRole;
  kind: TensorKind;
  shape: number[];
  block: number | null;
  fanIn: number;
  baseFanIn: number;
  /** Width multiplier m = fanIn / baseFanIn. */
  widthMult: number;
  /** Init: N(initMean, initStd²); gains are the constant 1, biases 0. */
  initMean: number;
  initStd: number;
  /** qkv only: columns [start, end) are the queries, initialised with queryInitStd. */
  queryColumns?: [number, number];
  queryInitStd?: number;
  /** Learning rate of this tensor under the run's optimizer. */
  lr: number;
  /** lr / η. */
  lrMult: number;
  /** ε of this tensor (Adam's denominator; unused by optimizers without one). */
  eps: number;
  /** Decoupled weight decay for p -= lr · weightDecay · p (lr · weightDecay = η · λ or 0). */
  weightDecay: number;
  /** tok_emb only, when tied: it is also the readout. */
  tiedReadout?: boolean;
}

export interface GlobalMultipliers {
  /** Embedding output (tok_emb + pos_emb) × inputMult. */
  inputMult: number;
  /** Logits = LN_f(h) · readout × readoutMult. */
  readoutMult: number;
  /** Attention logits = attnScale · q·k. */
  attnScale: number;
  /** Each residual branch's output × residualMult. */
  residualMult: number;
  /** d / d_base (the readout's m). */
  widthMult: number;
  /** L = depth / base_depth. */
  depthMult: number;
  /** Learning-rate factor applied to every tensor inside a block (L^(α-1) or 1). */
  depthLrFactor: number;
  headSize: number;
  baseHeadSize: number;
}

export interface TransferResult {
  parametrization: Parametrization;
  base: GptShape;
  target: GptShape;
  /** The hyperparameters this was computed from (as tuned at the base). */
  hp: MupHyperparams;
  tensors: TensorValues[];
  multipliers: GlobalMultipliers;
  /** The optimizer and its width- and tensor-independent settings. */
  optimizer: {
    name: OptimizerName;
    beta1: number;
    beta2: number;
    clip: number;
    /** Momentum μ (SGD, Muon); absent in files written before SGD (DEFAULT_MOMENTUM). */
    momentum?: number;
    /** Muon's Newton-Schulz iterations; absent in files written before Muon (5). */
    nsSteps?: number;
  };
  /** Human-readable remarks (flags that had no effect, and why). */
  notes: string[];
}

/** Both shapes must be structurally valid; limits of what is trainable are not applied. */
function checkInputs(hp: MupHyperparams, base: GptShape, target: GptShape) {
  const errors = validateHyperparams(hp);
  if (errors.length > 0) {
    throw new Error(`Invalid hyperparameters: ${errors.map((e) => e.message).join('; ')}`);
  }
  assertGptShape(base, { trainable: false });
  assertGptShape(target, { trainable: false });
}

/** `shape` with another width and MLP ratio (one head: heads change no tensor's shape). */
function widthLike(shape: GptShape, width: number, mlpRatio: number): GptShape {
  return { ...shape, width, heads: 1, headSize: undefined, mlpRatio };
}

/**
 * The target's tensors, each with the fan-in its counterpart has in the base model. Only the
 * width-like dimensions come from the base (width, MLP ratio); depth, vocabulary, context and
 * the flags are the target's, so the two lists align name by name.
 */
function pairedTensors(base: GptShape, target: GptShape) {
  const baseTensors = gptTensors(widthLike(target, base.width, mlpRatioOf(base)));
  return gptTensors(target).map((t, i) => {
    const b = baseTensors[i];
    if (b.name !== t.name) throw new Error(`Tensor lists differ at ${t.name} / ${b.name}`);
    return { spec: t, baseFanIn: b.fanIn, baseFanOut: b.fanOut };
  });
}

export function transfer(
  hp: MupHyperparams,
  parametrization: Parametrization,
  base: GptShape,
  target: GptShape,
): TransferResult {
  checkInputs(hp, base, target);
  const p = parametrization;
  const depthMult = depthMultiplier(target.depth, base.depth);
  const optimizer = optimizerRulesOf(hp);
  const notes: string[] = [];

  const tensors = pairedTensors(base, target).map(({ spec, baseFanIn, baseFanOut }) => {
    const m = widthMultiplier(spec.fanIn, baseFanIn);
    const ctx: TensorContext = {
      role: spec.role,
      kind: spec.kind,
      m,
      mOut: widthMultiplier(spec.fanOut, baseFanOut),
      inBlock: spec.block !== null,
      depthMult,
    };
    const init = initRule(p, hp, ctx);
    const { lr, eps, weightDecay } = optimizer.tensor(p, hp, ctx);
    const values: TensorValues = {
      name: spec.name,
      role: spec.role,
      kind: spec.kind,
      shape: [...spec.shape],
      block: spec.block,
      fanIn: spec.fanIn,
      baseFanIn,
      widthMult: m,
      initMean: init.mean,
      initStd: init.std,
      lr,
      lrMult: lr / hp.lr,
      eps,
      weightDecay,
    };
    if (spec.queryColumns) {
      values.queryColumns = [spec.queryColumns[0], spec.queryColumns[1]];
      values.queryInitStd = queryInitStd(p, hp, m);
    }
    if (spec.tiedReadout) values.tiedReadout = true;
    return values;
  });

  const headSize = headSizeOf(target);
  const baseHeadSize = headSizeOf(base);
  const widthMult = widthMultiplier(target.width, base.width);
  const multipliers: GlobalMultipliers = {
    inputMult: inputMultiplier(p, hp),
    readoutMult: readoutMultiplier(p, hp, widthMult),
    attnScale: attentionScale(p, hp, headSize, baseHeadSize),
    residualMult: residualMultiplier(p, hp, depthMult),
    widthMult,
    depthMult,
    depthLrFactor: optimizer.depthLrFactor(p, hp, depthMult),
    headSize,
    baseHeadSize,
  };

  if (target.tiedReadout && hp.zeroReadout) {
    notes.push('zeroReadout has no effect: the readout is tied to the token embedding.');
  }
  const row = PARAMETRIZATION_TABLE[p];
  if (row.depth === null && hp.depthAlpha !== 0) {
    const withDepth = PARAMETRIZATIONS.filter((q) => PARAMETRIZATION_TABLE[q].depth !== null);
    const labels = withDepth.map((q) => PARAMETRIZATION_LABELS[q]).join(' and ');
    notes.push(
      `depthAlpha has no effect under ${row.label}: depth scaling is part of ${labels} only.`,
    );
  }
  if (row.depth !== null && hp.depthAlpha !== 0 && depthMult === 1) {
    notes.push('depthAlpha has no effect at the base depth (L = 1).');
  }
  return {
    parametrization: p,
    base: { ...base },
    target: { ...target },
    hp: { ...hp },
    tensors,
    multipliers,
    optimizer: {
      name: optimizer.name,
      beta1: hp.beta1,
      beta2: hp.beta2,
      clip: hp.clip,
      momentum: momentumOf(hp),
      nsSteps: nsStepsOf(hp),
    },
    notes,
  };
}

function find(result: TransferResult, name: string): TensorValues | undefined {
  return result.tensors.find((t) => t.name === name);
}

/**
 * Reads the base hyperparameters back from concrete values (the tensors and multipliers of a
 * TransferResult; result.hp is not looked at). η, σ, ε and λ come from the token embedding
 * (whose rules carry no width factor), α_in/α_out/α_attn from the multipliers, the zero-init
 * flags from the readout and the first qkv, and α from the residual multiplier. When the
 * depth multiplier is 1 the values do not depend on α, and 0 is returned for it.
 */
export function recoverHyperparams(result: TransferResult): MupHyperparams {
  const p = result.parametrization;
  const emb = find(result, 'tok_emb');
  if (!emb) throw new Error('No tok_emb in the transfer result');
  const mult = result.multipliers;
  // η: tok_emb's lr over its rule's factor (1 for AdamW; MuSGD's d/d_base for SGD under µP).
  const unit = OPTIMIZER_RULES[result.optimizer.name ?? 'adamw'].tensor(
    p,
    { ...DEFAULT_HYPERPARAMS, lr: 1 },
    {
      role: emb.role,
      kind: emb.kind,
      m: emb.widthMult,
      mOut: mult.widthMult,
      inBlock: false,
      depthMult: mult.depthMult,
    },
  ).lr;
  const eta = emb.lr / unit;
  const readout = find(result, 'readout');
  const qkv = result.tensors.find((t) => t.queryColumns !== undefined);
  const row = PARAMETRIZATION_TABLE[p];
  let depthAlpha: DepthAlpha = 0;
  if (row.depth !== null && mult.depthMult !== 1) {
    // residualMult = L^(perAlpha·α + constant): solve for α.
    const { perAlpha, constant } = row.depth.residual;
    const alpha = (Math.log(mult.residualMult) / Math.log(mult.depthMult) - constant) / perAlpha;
    depthAlpha = Math.abs(alpha - 1) < 1e-9 ? 1 : Math.abs(alpha - 0.5) < 1e-9 ? 0.5 : 0;
  }
  // α_attn/√d_head (SP's scale) × (d_base/d_head)^(-e-1/2) = attnScale (rules.ts attentionScale).
  const spAttnScale = scaled(
    mult.attnScale,
    mult.baseHeadSize / mult.headSize,
    row.attentionHeadSize + 0.5,
  );
  return {
    lr: eta,
    initStd: emb.initStd,
    alphaIn: mult.inputMult,
    // readoutMult = α_out·m^e (rules.ts readoutMultiplier).
    alphaOut: scaled(mult.readoutMult, mult.widthMult, -row.readoutMult),
    alphaAttn: spAttnScale * Math.sqrt(mult.headSize),
    weightDecay: (emb.lr * emb.weightDecay) / eta,
    beta1: result.optimizer.beta1,
    beta2: result.optimizer.beta2,
    eps: emb.eps,
    clip: result.optimizer.clip,
    zeroReadout: readout ? readout.initStd === 0 : false,
    zeroQuery: qkv ? qkv.queryInitStd === 0 : false,
    depthAlpha,
    optimizer: result.optimizer.name,
    momentum: result.optimizer.momentum ?? DEFAULT_MOMENTUM,
    nsSteps: result.optimizer.nsSteps ?? DEFAULT_NS_STEPS,
  };
}

// ---- PyTorch `mup` ------------------------------------------------------------------------

export interface MupTensorHint {
  /** Our name; rename to your module's parameter name. */
  name: string;
  /** PyTorch layout: nn.Linear weight [out, in] (our [in, out] transposed), embeddings as ours. */
  torchShape: number[];
  baseTorchShape: number[];
  /** Number of width-like ("infinite") dimensions, as mup's InfShape.ninf() counts them. */
  ninf: number;
  /** What MuAdamW(lr=η, weight_decay=λ) gives this tensor: η / width_mult if ninf = 2. */
  muAdamLr: number;
  muAdamWeightDecay: number;
  /** What the lab uses (equal to the MuAdam values when depth scaling is off; see caveats). */
  lr: number;
  weightDecay: number;
  eps: number;
  initMean: number;
  initStd: number;
}

export interface MupPytorchHints {
  /** For mup.make_base_shapes(base, delta) / set_base_shapes(model, base): torch layout. */
  baseShapes: Record<string, number[]>;
  /** The base with every width-like dimension doubled, to mark which dimensions scale. */
  deltaShapes: Record<string, number[]>;
  /** MuReadout(d, V, output_mult=..., readout_zero_init=...); MuSharedReadout when tied. */
  muReadout: { outputMult: number; readoutZeroInit: boolean; shared: boolean };
  /** mup.MuAdamW(params, lr=..., betas=..., eps=..., weight_decay=...). */
  muAdamW: { lr: number; betas: [number, number]; eps: number; weightDecay: number };
  /** Things mup does not do for you, with their values at the target. */
  manual: {
    /** Multiply tok_emb(x) + pos_emb(t) by this. */
    inputMult: number;
    /** softmax(attnScale · q·k): mup's Transformer example writes it as √attn_mult / d_head. */
    attnScale: number;
    /** attn_mult of the mup Transformer example (scaling = attn_mult**0.5 / d_head). */
    exampleAttnMult: number;
    /** Multiply each residual branch by this (depth scaling; 1 when off). */
    residualMult: number;
    /** Multiply the lr of every in-block param group by this (depth scaling; 1 when off). */
    depthLrFactor: number;
  };
  tensors: MupTensorHint[];
  caveats: string[];
}

/** Our [in, out] matrices as PyTorch shapes (nn.Linear [out, in]; nn.Embedding unchanged). */
function torchShape(t: { role: TensorRole; kind: TensorKind; shape: number[] }): number[] {
  if (t.kind !== 'matrix' || t.role === 'embedding' || t.role === 'position') return [...t.shape];
  return [t.shape[1], t.shape[0]];
}

/**
 * What a user of PyTorch + `mup` needs to reproduce transfer(hp, 'mup', base, target).
 *
 * mup conventions this relies on (microsoft/mup, mup/layer.py, mup/optim.py, mup/shape.py):
 * - MuReadout.forward(x) = Linear(output_mult · x / width_mult), width_mult = d / d_base, so
 *   output_mult = α_out gives our logits × α_out / m. set_base_shapes rescales the readout's
 *   default init by √width_mult: initialise it with std σ/√m before set_base_shapes (or after
 *   it with std σ, rescale_params=False) for our width-independent σ.
 * - MuAdam/MuAdamW put each tensor with two width-like dims (ninf = 2: the hidden matrices)
 *   in a group with lr /= width_mult and weight_decay *= width_mult, where width_mult is the
 *   fan-in's multiplier; vectors, embeddings and the readout (ninf = 1) keep lr and
 *   weight_decay. That is our η/m and wd = λ·m, i.e. lr·wd = η·λ.
 * - mup never touches ε, hidden inits (use std σ/√m), the attention scale, the input
 *   multiplier, depth scaling, or which tensors decay: those are listed in `manual`/`caveats`.
 */
export function mupPytorchHints(
  hp: MupHyperparams,
  base: GptShape,
  target: GptShape,
): MupPytorchHints {
  const result = transfer(hp, 'mup', base, target);
  // mup needs the base model to have the target's parameter names: base width, target depth.
  const ratio = mlpRatioOf(base);
  const baseTensors = gptTensors(widthLike(target, base.width, ratio));
  const doubled = gptTensors(widthLike(target, 2 * base.width, ratio));
  const baseShapes: Record<string, number[]> = {};
  const deltaShapes: Record<string, number[]> = {};
  for (const t of baseTensors) baseShapes[t.name] = torchShape(t);
  for (const t of doubled) deltaShapes[t.name] = torchShape(t);

  const tensors = result.tensors.map((t): MupTensorHint => {
    // Hidden matrices scale in both dims; embeddings, readout ([V or T, d]) and vectors in one.
    const ninf = t.role === 'hidden' && t.kind === 'matrix' ? 2 : 1;
    const muAdamLr = ninf === 2 ? hp.lr / t.widthMult : hp.lr;
    const muAdamWeightDecay = ninf === 2 ? hp.weightDecay * t.widthMult : hp.weightDecay;
    return {
      name: t.name,
      torchShape: torchShape(t),
      baseTorchShape: [...baseShapes[t.name]],
      ninf,
      muAdamLr,
      muAdamWeightDecay,
      lr: t.lr,
      weightDecay: t.weightDecay,
      eps: t.eps,
      initMean: t.initMean,
      initStd: t.initStd,
    };
  });

  const mult = result.multipliers;
  const caveats = [
    'Our matrices are [in, out] (y = x·W); nn.Linear stores [out, in], so transpose when copying.',
    'MuAdamW uses one ε; we use ε/m on the hidden matrices. Give the ninf = 2 param groups ' +
      'eps = ε / width_mult by hand to match exactly (it rarely matters while ε ≪ √v).',
    'Put gains and biases in param groups with weight_decay = 0 (we decay matrices only).',
    'Initialise hidden matrices with std σ/√m (mup does not rescale them) and the query ' +
      'columns of qkv with 0 when zeroQuery is set.',
    `Attention: replace 1/√d_head by ${mult.attnScale} (= α_attn·√d_base/d_head).`,
  ];
  if (mult.residualMult !== 1 || mult.depthLrFactor !== 1) {
    const named = DEPTH_SCALINGS[depthScalingOf(hp.depthAlpha)];
    caveats.push(
      `Depth scaling, ${named.label} (not part of mup): residual branches × ${mult.residualMult}, ` +
        `the lr of every param group inside the blocks (LayerNorm gains and biases included) × ` +
        `${mult.depthLrFactor}, and their eps × ${mult.residualMult} (hidden matrices: ` +
        `ε/width_mult × ${mult.residualMult}). Source: ${named.source}.`,
    );
  }
  if (target.tiedReadout) {
    caveats.push('Tied readout: use MuSharedReadout(tok_emb.weight, output_mult=α_out).');
  }
  return {
    baseShapes,
    deltaShapes,
    muReadout: {
      outputMult: hp.alphaOut,
      readoutZeroInit: hp.zeroReadout && !target.tiedReadout,
      shared: target.tiedReadout,
    },
    muAdamW: { lr: hp.lr, betas: [hp.beta1, hp.beta2], eps: hp.eps, weightDecay: hp.weightDecay },
    manual: {
      inputMult: mult.inputMult,
      attnScale: mult.attnScale,
      exampleAttnMult: hp.alphaAttn * hp.alphaAttn * mult.baseHeadSize,
      residualMult: mult.residualMult,
      depthLrFactor: mult.depthLrFactor,
    },
    tensors,
    caveats,
  };
}
