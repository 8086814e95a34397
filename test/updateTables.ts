/** Shared set-up of the optimizer update kernel tests (src/ops/adamw.test.ts, sgd.test.ts). */
import { releaseTensor, uploadTensor, type GpuContext, type GpuTensor } from '../src/gpu';
import type { UpdateTableTensor } from '../src/ops/updateTable';
import { Rng } from '../src/util/random';

/** Per tensor of a group: its size, lr multiplier, weight decay and (AdamW) epsilon. */
export interface TableColumns {
  sizes: readonly number[];
  lrMul: readonly number[];
  wd: readonly number[];
  eps?: readonly number[];
}

export interface TableTensor extends UpdateTableTensor {
  name: string;
  lr: number;
  weightDecay: number;
  group: number;
  eps?: number;
}

/**
 * `groups` copies of the columns' tensors, one per group (run), with gaps of elements that belong
 * to no tensor before the first and between some of them.
 */
export function gappedTensorTable(
  groups: number,
  lrOfGroup: (g: number) => number,
  c: TableColumns,
): TableTensor[] {
  const out: TableTensor[] = [];
  let offset = 3;
  for (let g = 0; g < groups; g++) {
    c.sizes.forEach((length, i) => {
      const lr = lrOfGroup(g) * c.lrMul[i];
      const eps = c.eps ? { eps: c.eps[i] } : {};
      out.push({ name: `g${g}t${i}`, offset, length, lr, ...eps, weightDecay: c.wd[i], group: g });
      offset += length + (i % 2) * 2;
    });
  }
  return out;
}

/** The elements the buffers need: past the last tensor, with a few that no tensor owns. */
export function extentOf(tensors: readonly UpdateTableTensor[]): number {
  return Math.max(...tensors.map((t) => t.offset + t.length)) + 4;
}

export interface UpdateBuffers {
  /** The initial parameters: N(0, 0.5²) from seed 123. */
  p0: Float32Array;
  params: GpuTensor;
  grads: GpuTensor;
  /** The optimizer's state buffers, zero, in the order asked for. */
  state: GpuTensor[];
  release(): void;
}

/** Uploads params, zero gradients and `state` zeroed buffers of `n` elements each. */
export function uploadUpdateBuffers(
  ctx: GpuContext,
  n: number,
  state: readonly string[],
): UpdateBuffers {
  const p0 = new Rng(123).normalArray(n, 0.5);
  const zeros = (label: string) => uploadTensor(ctx, new Float32Array(n), [n], label);
  const params = uploadTensor(ctx, p0, [n], 'params');
  const grads = zeros('grads');
  const buffers = state.map(zeros);
  return {
    p0,
    params,
    grads,
    state: buffers,
    release: () => [params, grads, ...buffers].forEach((t) => releaseTensor(ctx, t)),
  };
}
