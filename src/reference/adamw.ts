/** Float64 reference AdamW step with the same contract as kernels/adamw.wgsl (and PyTorch). */
export type Numbers = ArrayLike<number>;

/** One parameter tensor: its place in the flat buffers and its µP hyperparameters. */
export interface AdamWTensorRef {
  /** Element offset from the start of the params (grads, m, v) tensor. */
  offset: number;
  length: number;
  /** Learning rate before the global lrScale. */
  lr: number;
  /** Decoupled weight decay: p -= lrScale lr weightDecay p each step. Default 0. */
  weightDecay?: number;
  /** Adam epsilon. Default 1e-8. */
  eps?: number;
  /** Group (run) sharing the gradient norm and the non-finite flag. Default 0. */
  group?: number;
}

export interface AdamWStepRef {
  /** Step number t >= 1, for the bias corrections 1 - beta^t. */
  step: number;
  beta1?: number;
  beta2?: number;
  lrScale?: number;
  /** Per-group global gradient-norm clip; 0 = off. */
  clip?: number;
}

export interface AdamWStateRef {
  params: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

export interface AdamWStepResult {
  /** Per group: the gradient norm over the group's tensors. */
  norms: number[];
  /** Per group: whether the update was skipped (a non-finite gradient or norm). */
  skipped: boolean[];
}

const F32_MAX = 3.4028234663852886e38;

/**
 * Per group (run) the gradient norm over its tensors and whether its update is skipped: a
 * non-finite gradient, or a sum of squares that overflows f32 (reduce.wgsl's flag).
 */
export function groupGradStatsRef(
  grads: Numbers,
  tensors: readonly { offset: number; length: number; group?: number }[],
  groups: number,
): { norms: number[]; skipped: boolean[] } {
  const sumSq = new Array<number>(groups).fill(0);
  const skipped = new Array<boolean>(groups).fill(false);
  for (const t of tensors) {
    const g = t.group ?? 0;
    for (let i = t.offset; i < t.offset + t.length; i++) {
      if (Number.isFinite(grads[i])) sumSq[g] += grads[i] * grads[i];
      else skipped[g] = true;
    }
  }
  for (let g = 0; g < groups; g++) if (sumSq[g] > F32_MAX) skipped[g] = true;
  return { norms: sumSq.map(Math.sqrt), skipped };
}

/** Applies one step to `state` in place, group by group. */
export function adamwStepRef(
  state: AdamWStateRef,
  grads: Numbers,
  tensors: readonly AdamWTensorRef[],
  o: AdamWStepRef,
  groups = Math.max(1, ...tensors.map((t) => (t.group ?? 0) + 1)),
): AdamWStepResult {
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? 0.999;
  const lrScale = o.lrScale ?? 1;
  const clip = o.clip ?? 0;
  const { norms, skipped } = groupGradStatsRef(grads, tensors, groups);
  const bc1 = 1 - beta1 ** o.step;
  const bc2 = 1 - beta2 ** o.step;
  for (const t of tensors) {
    const g = t.group ?? 0;
    if (skipped[g]) continue;
    const scale = clip > 0 ? Math.min(1, clip / (norms[g] + 1e-6)) : 1;
    const lr = t.lr * lrScale;
    const eps = t.eps ?? 1e-8;
    const wd = t.weightDecay ?? 0;
    for (let i = t.offset; i < t.offset + t.length; i++) {
      const gr = grads[i] * scale;
      state.m[i] = beta1 * state.m[i] + (1 - beta1) * gr;
      state.v[i] = beta2 * state.v[i] + (1 - beta2) * gr * gr;
      const update = state.m[i] / bc1 / (Math.sqrt(state.v[i] / bc2) + eps);
      state.params[i] = state.params[i] * (1 - lr * wd) - lr * update;
    }
  }
  return { norms, skipped };
}
