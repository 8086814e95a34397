/**
 * The op list of one training step of the GPT (src/model/gpt.ts) as data, from the shape alone
 * (no device, no buffer): each op that chooses a kernel variant, in the order the model prepares
 * them, as its kernel and problem. The tuner reads its problems from here (src/sweep/tuning.ts,
 * one per kernel and shape class); src/model/kernelProblems.test.ts holds this list to the choices
 * a built model makes, op by op, so the two cannot drift apart unnoticed.
 */
import type { GpuFeatures } from '../gpu';
import { headSizeOf, headsOf, mlpWidth, type GptShape } from '../mup/shapes';
import { subgroupLanes } from '../ops/subgroups';
import type { KernelProblem } from '../tune/problems';

export interface GptStepShape {
  shape: GptShape;
  /** Sequences per run per step. */
  batch: number;
  /** Runs stacked side by side (default 1). */
  runs?: number;
}

/** Every variant-choosing op of one step, in the order the model prepares them. */
export function gptKernelProblems(step: GptStepShape, features: GpuFeatures): KernelProblem[] {
  const { shape, batch } = step;
  const K = step.runs ?? 1;
  const d = shape.width;
  const F = mlpWidth(shape);
  const V = shape.vocab;
  const T = shape.context;
  const R = batch * T;
  const list: KernelProblem[] = [];
  const matmul = (m: number, k: number, n: number, trans: 'A' | 'B' | '' = '') =>
    list.push({
      kernel: 'matmul',
      problem: {
        m,
        k,
        n,
        batch: K,
        transA: trans === 'A',
        transB: trans === 'B',
        subgroups: features.subgroups,
      },
    });
  const subgroups = subgroupLanes(features) > 0;
  // One op over the rows of every run.
  const layerNorm = () =>
    list.push({ kernel: 'layernorm', problem: { width: d, rows: K * R, subgroups } });
  // The residual add and the layernorm that follows (either variant runs the layernorm's).
  const residualLayerNorm = () => {
    list.push({ kernel: 'residual_layernorm', problem: { width: d, rows: K * R, subgroups } });
    layerNorm();
  };
  const attention = () =>
    list.push({
      kernel: 'attention',
      problem: { batch: K * batch, heads: headsOf(shape), headSize: headSizeOf(shape), context: T },
    });
  // The MLP's GELU with its matmul (src/ops/matmulGelu.ts): chosen before the matmul it wraps.
  const matmulGelu = (direction: 'forward' | 'backward', k: number, n: number) =>
    list.push({
      kernel: 'matmul_gelu',
      problem: {
        ...{ m: R, k, n, batch: K, transA: false, transB: direction === 'backward' },
        subgroups: features.subgroups,
        direction,
      },
    });
  // A linear layer x[R, k] · W[k, n] (+ b in the matmul's epilogue), forward and backward; with
  // `gelu`, the MLP's first (forward: g = gelu(x W + b)) or second (backward: dX · gelu'(u)).
  const linear = (k: number, n: number, gelu = false) => {
    if (gelu) matmulGelu('forward', k, n);
    matmul(R, k, n);
  };
  const linearBack = (k: number, n: number, bias = shape.biases, gelu = false) => {
    if (gelu) matmulGelu('backward', n, k);
    matmul(R, n, k, 'B');
    matmul(k, R, n, 'A');
    if (bias) matmul(1, R, n);
  };

  // Block 0's LN1 stands alone; every later layernorm of the forward follows a residual add
  // (LN2 after the attention branch, the next LN1 or LN_f after the MLP branch).
  layerNorm();
  for (let l = 0; l < shape.depth; l++) {
    linear(d, 3 * d);
    attention();
    linear(d, d);
    residualLayerNorm();
    linear(d, F, true);
    linear(F, d);
    residualLayerNorm();
  }
  matmul(R, d, V, shape.tiedReadout ? 'B' : '');
  list.push({ kernel: 'cross_entropy', problem: { vocab: V, rows: K * R } });
  if (shape.tiedReadout) {
    matmul(R, V, d);
    matmul(V, R, d, 'A');
  } else {
    linearBack(d, V, false);
  }
  layerNorm();
  for (let l = shape.depth - 1; l >= 0; l--) {
    linearBack(F, d, shape.biases, true);
    linearBack(d, F);
    layerNorm();
    linearBack(d, d);
    attention();
    linearBack(d, 3 * d);
    layerNorm();
  }
  for (let k = 0; k < K; k++) {
    list.push({ kernel: 'embedding', problem: { vocab: V, dim: d, tokens: R } });
  }
  return list;
}
