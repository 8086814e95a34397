/**
 * The shape of a pre-LN GPT and the list of its parameter tensors.
 *
 * Layout: every matrix is row-major [in, out] so that a layer computes y = x · W (x a row
 * vector). PyTorch's nn.Linear stores the transpose, [out, in]; nn.Embedding stores [rows, d]
 * like us. Pure functions: this module imports only the lab's limits (src/limits.ts).
 *
 * The model (per block b = 0..depth-1, r = residual multiplier, see rules.ts):
 *   h = (tok_emb[x] + pos_emb[t]) · α_in
 *   h += r · attn.out( attention( LN1(h) · attn.qkv + qkv_bias ) ) + out_bias
 *   h += r · mlp.out( gelu( LN2(h) · mlp.in + in_bias ) ) + out_bias
 *   logits = LN_f(h) · readout · readoutMult         (readout = tok_embᵀ when tied)
 */
import { MAX_CONTEXT, MAX_DEPTH, MAX_HEAD_SIZE, MAX_VOCAB, MAX_WIDTH } from '../limits';

/** What a tensor is, for the µP rules (the rows of docs/ARCHITECTURE.md's table). */
export type TensorRole = 'embedding' | 'position' | 'hidden' | 'readout' | 'vector';

/** Matrices are initialised from N(0, std²); gains to 1; biases to 0. */
export type TensorKind = 'matrix' | 'gain' | 'bias';

export interface GptShape {
  /** Model width d (residual stream size). */
  width: number;
  /** Number of transformer blocks L. */
  depth: number;
  /**
   * Exactly one of `heads` and `headSize`: a fixed number of heads (head size d / heads grows
   * with width) or a fixed head size (the number of heads d / headSize grows with width).
   */
  heads?: number;
  headSize?: number;
  /** Context length T (tokens per sequence). */
  context: number;
  /** Vocabulary size V. */
  vocab: number;
  /** MLP hidden size = mlpRatio · d (default 4). */
  mlpRatio?: number;
  /** Readout is tok_embᵀ (no separate readout tensor). */
  tiedReadout: boolean;
  /** Biases in the linear layers and in the layernorms (like nanoGPT's `bias` flag). */
  biases: boolean;
}

export interface TensorSpec {
  /** e.g. 'tok_emb', 'blocks.0.attn.qkv', 'ln_f.gain'. */
  name: string;
  /** [in, out] for matrices ([rows, d] for embeddings), [n] for vectors. */
  shape: number[];
  role: TensorRole;
  kind: TensorKind;
  /**
   * Fan-in: the input dimension of the matrix (the one contracted in x · W). For embeddings
   * it is the number of rows (a one-hot input), which does not grow with width. Vectors: 1.
   */
  fanIn: number;
  /** Output dimension (vectors: their length). */
  fanOut: number;
  /** Block index for tensors inside a residual block, null outside (embeddings, ln_f, readout). */
  block: number | null;
  /** For blocks.i.attn.qkv: the q columns [start, end) which may be zero-initialised. */
  queryColumns?: [number, number];
  /** For tok_emb when the readout is tied: it is also the readout (logits = h · tok_embᵀ). */
  tiedReadout?: boolean;
  note?: string;
}

export const DEFAULT_MLP_RATIO = 4;

export interface ShapeError {
  field: string;
  message: string;
}

export function mlpRatioOf(shape: GptShape): number {
  return shape.mlpRatio ?? DEFAULT_MLP_RATIO;
}

/** MLP hidden width, mlpRatio · d. */
export function mlpWidth(shape: GptShape): number {
  return Math.round(mlpRatioOf(shape) * shape.width);
}

/** Head size d_head (d / heads in fixed-heads mode). */
export function headSizeOf(shape: GptShape): number {
  if (shape.headSize !== undefined) return shape.headSize;
  if (shape.heads !== undefined) return shape.width / shape.heads;
  throw new Error('GptShape needs `heads` or `headSize`');
}

/** Number of heads (d / headSize in fixed-head-size mode). */
export function headsOf(shape: GptShape): number {
  if (shape.heads !== undefined) return shape.heads;
  if (shape.headSize !== undefined) return shape.width / shape.headSize;
  throw new Error('GptShape needs `heads` or `headSize`');
}

/**
 * The valid-width rule: a width must be a multiple of the head count (fixed heads) or of the
 * head size (fixed head size), and mlpRatio · width must be an integer. The widths that satisfy
 * both are exactly the multiples of this step (the set is closed under differences).
 */
export function widthStep(model: Pick<GptShape, 'heads' | 'headSize' | 'mlpRatio'>): number {
  const unit = Math.max(1, Math.round(model.heads ?? model.headSize ?? 1));
  const ratio = model.mlpRatio ?? DEFAULT_MLP_RATIO;
  for (let k = 1; k <= 1024; k++) {
    const w = k * unit;
    if (Math.abs(ratio * w - Math.round(ratio * w)) < 1e-9) return w;
  }
  return unit;
}

function isPositiveInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x > 0;
}

/**
 * Errors in a shape, empty when it is valid. `trainable` (default true) also applies the
 * limits of what the lab can train (head size ≤ 128, context ≤ 512, ...); with false only the
 * structure is checked (positive integers, divisibility), which is all transfer() needs to
 * compute values for widths far beyond what is trained.
 */
export function validateGptShape(
  shape: GptShape,
  opts: { trainable?: boolean } = {},
): ShapeError[] {
  const trainable = opts.trainable ?? true;
  const errors: ShapeError[] = [];
  const err = (field: string, message: string) => errors.push({ field, message });
  const positive = (field: keyof GptShape, label: string) => {
    if (!isPositiveInt(shape[field])) {
      err(field, `${label} must be a positive integer (got ${String(shape[field])})`);
      return false;
    }
    return true;
  };
  const widthOk = positive('width', 'Width');
  const depthOk = positive('depth', 'Depth');
  const contextOk = positive('context', 'Context length');
  const vocabOk = positive('vocab', 'Vocabulary size');

  const hasHeads = shape.heads !== undefined;
  const hasHeadSize = shape.headSize !== undefined;
  if (hasHeads === hasHeadSize) {
    err('heads', 'Give exactly one of a number of heads or a head size');
  } else if (hasHeads) {
    if (!isPositiveInt(shape.heads)) {
      err('heads', `Number of heads must be a positive integer (got ${String(shape.heads)})`);
    } else if (widthOk && shape.width % shape.heads !== 0) {
      err('heads', `Width ${shape.width} is not divisible by ${shape.heads} heads`);
    }
  } else if (!isPositiveInt(shape.headSize)) {
    err('headSize', `Head size must be a positive integer (got ${String(shape.headSize)})`);
  } else if (widthOk && shape.width % shape.headSize !== 0) {
    err('headSize', `Width ${shape.width} is not divisible by head size ${shape.headSize}`);
  }

  const ratio = mlpRatioOf(shape);
  if (!(typeof ratio === 'number' && Number.isFinite(ratio) && ratio > 0)) {
    err('mlpRatio', `MLP ratio must be a positive number (got ${String(shape.mlpRatio)})`);
  } else if (widthOk && !Number.isInteger(ratio * shape.width)) {
    err('mlpRatio', `MLP ratio ${ratio} times width ${shape.width} is not an integer`);
  }
  if (typeof shape.tiedReadout !== 'boolean') err('tiedReadout', 'tiedReadout must be a boolean');
  if (typeof shape.biases !== 'boolean') err('biases', 'biases must be a boolean');

  if (trainable && errors.length === 0) {
    const hs = headSizeOf(shape);
    if (hs > MAX_HEAD_SIZE) {
      err(
        hasHeads ? 'heads' : 'headSize',
        `Head size ${hs} is above the maximum of ${MAX_HEAD_SIZE}`,
      );
    }
  }
  if (trainable) {
    if (contextOk && shape.context > MAX_CONTEXT) {
      err('context', `Context length ${shape.context} is above the maximum of ${MAX_CONTEXT}`);
    }
    if (widthOk && shape.width > MAX_WIDTH) {
      err('width', `Width ${shape.width} is above the maximum of ${MAX_WIDTH}`);
    }
    if (depthOk && shape.depth > MAX_DEPTH) {
      err('depth', `Depth ${shape.depth} is above the maximum of ${MAX_DEPTH}`);
    }
    if (vocabOk && shape.vocab > MAX_VOCAB) {
      err('vocab', `Vocabulary size ${shape.vocab} is above the maximum of ${MAX_VOCAB}`);
    }
  }
  return errors;
}

/** Throws with every error listed when the shape is invalid. */
export function assertGptShape(shape: GptShape, opts: { trainable?: boolean } = {}): void {
  const errors = validateGptShape(shape, opts);
  if (errors.length > 0) {
    throw new Error(
      `Invalid GPT shape: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    );
  }
}

/**
 * Every parameter tensor of the pre-LN GPT, in a fixed order: tok_emb, pos_emb, the blocks
 * (ln1, attn.qkv, attn.out, ln2, mlp.in, mlp.out, each followed by its bias when `biases`),
 * ln_f, readout (unless tied). Layernorm biases exist only when `biases` is set.
 */
export function gptTensors(shape: GptShape): TensorSpec[] {
  assertGptShape(shape, { trainable: false });
  const d = shape.width;
  const h = mlpWidth(shape);
  const out: TensorSpec[] = [];
  const matrix = (
    name: string,
    fanIn: number,
    fanOut: number,
    role: TensorRole,
    block: number | null,
  ): TensorSpec => ({ name, shape: [fanIn, fanOut], role, kind: 'matrix', fanIn, fanOut, block });
  const vector = (name: string, n: number, kind: TensorKind, block: number | null): TensorSpec => ({
    name,
    shape: [n],
    role: 'vector',
    kind,
    fanIn: 1,
    fanOut: n,
    block,
  });
  const layerNorm = (prefix: string, block: number | null) => {
    out.push(vector(`${prefix}.gain`, d, 'gain', block));
    if (shape.biases) out.push(vector(`${prefix}.bias`, d, 'bias', block));
  };

  const tok = matrix('tok_emb', shape.vocab, d, 'embedding', null);
  if (shape.tiedReadout) {
    tok.tiedReadout = true;
    tok.note = 'Tied: also the readout (logits = h · tok_embᵀ); it follows the embedding rules.';
  }
  out.push(tok);
  out.push(matrix('pos_emb', shape.context, d, 'position', null));
  for (let b = 0; b < shape.depth; b++) {
    const p = `blocks.${b}`;
    layerNorm(`${p}.ln1`, b);
    const qkv = matrix(`${p}.attn.qkv`, d, 3 * d, 'hidden', b);
    qkv.queryColumns = [0, d];
    qkv.note = 'Fused q|k|v (columns [0,d) q, [d,2d) k, [2d,3d) v); q may be zero-initialised.';
    out.push(qkv);
    if (shape.biases) out.push(vector(`${p}.attn.qkv_bias`, 3 * d, 'bias', b));
    out.push(matrix(`${p}.attn.out`, d, d, 'hidden', b));
    if (shape.biases) out.push(vector(`${p}.attn.out_bias`, d, 'bias', b));
    layerNorm(`${p}.ln2`, b);
    out.push(matrix(`${p}.mlp.in`, d, h, 'hidden', b));
    if (shape.biases) out.push(vector(`${p}.mlp.in_bias`, h, 'bias', b));
    out.push(matrix(`${p}.mlp.out`, h, d, 'hidden', b));
    if (shape.biases) out.push(vector(`${p}.mlp.out_bias`, d, 'bias', b));
  }
  layerNorm('ln_f', null);
  if (!shape.tiedReadout) out.push(matrix('readout', d, shape.vocab, 'readout', null));
  return out;
}

/** Total number of parameters. */
export function parameterCount(shape: GptShape): number {
  return gptTensors(shape).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
}
