/**
 * Per-step accounting of the training benchmark: what our step dispatches and binds (counted by
 * `accountOps`, src/gpu/accounting.ts, an upper bound on bytes), against what the model needs at
 * least, computed from its shape: every tensor of the step (parameters, and the activations a
 * pre-LN GPT produces) moved once in the forward pass and twice in the backward pass, plus the
 * AdamW update's 7 tensor passes (parameter, gradient and both moments read; parameter and
 * moments written), all in float32. FLOPs: the matmuls (2 per multiply-add; backward twice the
 * forward) and causal attention's useful work (T^2 Dh per product on the lower triangle, two
 * products forward, five backward, as the attention benchmark counts); elementwise work is left
 * out. The same model on any engine needs these figures, which is why they carry to a GPU.
 */
import { accountOps, type PreparedOp } from '../src/gpu';
import { mlpWidth, parameterCount, type GptShape } from '../src/mup/shapes';

export interface ModelMinimum {
  /** Parameters of one run. */
  params: number;
  /** Activation floats one run's step produces (tensors listed in `activationsPerToken`). */
  activations: number;
  /** Floats per token: x0 + per block (ln1, qkv, attention, x mid, ln2, mlp in, gelu, x out) + ln_f + logits. */
  activationsPerToken: number;
  /** Bytes: (params + activations) x 4 x (1 forward + 2 backward) + 7 x params x 4 (AdamW). */
  bytes: number;
  forwardBytes: number;
  backwardBytes: number;
  optimizerBytes: number;
}

/** The least memory traffic a training step of K runs of `shape` on `batch` sequences needs. */
export function modelMinimum(shape: GptShape, batch: number, runs = 1): ModelMinimum {
  const d = shape.width;
  const f = mlpWidth(shape);
  const tokens = batch * shape.context;
  const perBlock = d + 3 * d + d + d + d + f + f + d;
  const activationsPerToken = d + shape.depth * perBlock + d + shape.vocab;
  const params = parameterCount(shape);
  const activations = tokens * activationsPerToken;
  const once = (params + activations) * 4 * runs;
  const forwardBytes = once;
  const backwardBytes = 2 * once;
  const optimizerBytes = 7 * params * 4 * runs;
  return {
    params,
    activations,
    activationsPerToken,
    bytes: forwardBytes + backwardBytes + optimizerBytes,
    forwardBytes,
    backwardBytes,
    optimizerBytes,
  };
}

export interface StepFlops {
  matmul: number;
  attention: number;
  total: number;
}

/** FLOPs of one training step (forward + backward) of K runs; elementwise work not counted. */
export function stepFlops(shape: GptShape, batch: number, runs = 1): StepFlops {
  const d = shape.width;
  const f = mlpWidth(shape);
  const tokens = batch * shape.context;
  const heads = shape.heads ?? 1;
  const headSize = d / heads;
  // Per token multiply-adds: qkv, out, mlp in and out per block, then the readout.
  const macsPerToken = shape.depth * (3 * d * d + d * d + 2 * d * f) + d * shape.vocab;
  const matmulForward = 2 * tokens * macsPerToken;
  const attnProduct = batch * heads * shape.context * shape.context * headSize;
  const attention = shape.depth * attnProduct * (2 + 5) * runs;
  const matmul = 3 * matmulForward * runs;
  return { matmul, attention, total: matmul + attention };
}

export interface StepAccounting {
  dispatches: number;
  /** Bound bytes per step by access mode (read_write counted as read and written): upper bounds. */
  boundBytesRead: number;
  boundBytesWritten: number;
  uniformBytes: number;
  /** Dispatches whose bindings were not registered (0 when every op came through dispatchOp). */
  unaccountedDispatches: number;
  minimum: ModelMinimum;
  /** (boundBytesRead + boundBytesWritten) / minimum.bytes: passes over memory beyond the least. */
  trafficOverMinimum: number;
  flops: StepFlops;
  /** FLOPs per bound byte (read + written). */
  flopsPerByte: number;
  /** Dispatches and bound bytes by op kind (`kindOf(label)`). */
  kinds: Array<{ kind: string; dispatches: number; bytesRead: number; bytesWritten: number }>;
}

/** Accounts our step's ops (encoded on a recording pass) against the model's minimum. */
export function stepAccounting(
  ops: readonly PreparedOp[],
  shape: GptShape,
  batch: number,
  runs: number,
  kindOf: (label: string) => string = (label) => label,
): StepAccounting {
  const a = accountOps(ops);
  const minimum = modelMinimum(shape, batch, runs);
  const flops = stepFlops(shape, batch, runs);
  const byKind = new Map<string, { dispatches: number; bytesRead: number; bytesWritten: number }>();
  for (const op of a.perOp) {
    const kind = kindOf(op.label);
    const k = byKind.get(kind) ?? { dispatches: 0, bytesRead: 0, bytesWritten: 0 };
    k.dispatches += op.dispatches;
    k.bytesRead += op.bytesRead;
    k.bytesWritten += op.bytesWritten;
    byKind.set(kind, k);
  }
  const bound = a.bytesRead + a.bytesWritten;
  return {
    dispatches: a.dispatches,
    boundBytesRead: a.bytesRead,
    boundBytesWritten: a.bytesWritten,
    uniformBytes: a.uniformBytes,
    unaccountedDispatches: a.unaccounted,
    minimum,
    trafficOverMinimum: bound / minimum.bytes,
    flops,
    flopsPerByte: flops.total / bound,
    kinds: [...byKind.entries()]
      .map(([kind, k]) => ({ kind, ...k }))
      .sort((x, y) => y.bytesRead + y.bytesWritten - (x.bytesRead + x.bytesWritten)),
  };
}
