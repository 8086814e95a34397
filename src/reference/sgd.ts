/** Float64 reference SGD-with-momentum step with the same contract as kernels/sgd.wgsl. */
import { groupGradStatsRef } from './adamw';

export type Numbers = ArrayLike<number>;

export interface SgdTensorRef {
  offset: number;
  length: number;
  lr: number;
  weightDecay?: number;
  group?: number;
}

export interface SgdStepRef {
  momentum: number;
  lrScale?: number;
  /** Per-group global gradient-norm clip; 0 = off. */
  clip?: number;
}

export interface SgdStateRef {
  params: Float64Array;
  buf: Float64Array;
}

/**
 * Applies one step to `state` in place, group by group: buf = μ buf + c g, p = p (1 - lr wd) -
 * lr buf; a group with a non-finite gradient (or norm) is skipped. Returns each group's norm and
 * whether it was skipped.
 */
export function sgdStepRef(
  state: SgdStateRef,
  grads: Numbers,
  tensors: readonly SgdTensorRef[],
  o: SgdStepRef,
  groups = Math.max(1, ...tensors.map((t) => (t.group ?? 0) + 1)),
): { norms: number[]; skipped: boolean[] } {
  const lrScale = o.lrScale ?? 1;
  const clip = o.clip ?? 0;
  const { norms, skipped } = groupGradStatsRef(grads, tensors, groups);
  for (const t of tensors) {
    const g = t.group ?? 0;
    if (skipped[g]) continue;
    const scale = clip > 0 ? Math.min(1, clip / (norms[g] + 1e-6)) : 1;
    const lr = t.lr * lrScale;
    const wd = t.weightDecay ?? 0;
    for (let i = t.offset; i < t.offset + t.length; i++) {
      state.buf[i] = o.momentum * state.buf[i] + grads[i] * scale;
      state.params[i] = state.params[i] * (1 - lr * wd) - lr * state.buf[i];
    }
  }
  return { norms, skipped };
}
