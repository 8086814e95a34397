/**
 * Matmul benchmark: our kernel (the variant prepareMatmul picks, or every variant) against
 * TensorFlow.js's WebGPU matmul, side by side on the same device, at square sizes and at the
 * transformer shapes a training step runs, in the transposes the backward pass uses.
 */
import { createTensor, releaseTensor, writeTensor, type GpuContext } from '../src/gpu';
import { chooseMatmulVariant, prepareMatmul, type MatmulVariant } from '../src/ops/matmul';
import { Rng } from '../src/util/random';
import {
  measure,
  type Contender,
  type GpuTimer,
  type RepeatPolicy,
  type Timing,
  type TimingMethod,
} from '../src/gpu/timing';
import type { JaxjsBench } from './jaxjs';
import type { TfjsBench } from './tfjs';

/** Which operand is stored transposed: C = A.B, dX = dY.W^T (transB), dW = X^T.dY (transA). */
export type Transpose = 'none' | 'transA' | 'transB';

export interface MatmulCase {
  /** [M, K, N]: C is M x N, the reduction is over K. */
  shape: [number, number, number];
  variant: Transpose;
  /** What the case stands for, e.g. 'fwd 64->256' or 'dW 64->256'. */
  role: string;
}

export interface MatmulRow extends MatmulCase {
  gflop: number;
  ours: { kernel: MatmulVariant; ms: number; gflops: number; timing: Timing };
  /** Other variants of our kernel, when asked for (--all-variants). */
  others?: Array<{ kernel: MatmulVariant; ms: number; gflops: number; timing: Timing }>;
  tfjs: {
    ms: number;
    gflops: number;
    programs: string;
    method: TimingMethod;
    timing: Timing;
  } | null;
  /** jax-js (jit of np.matmul on its own device, same adapter), wall clock submit to ready. */
  jaxjs: { ms: number; gflops: number; timing: Timing } | null;
  /** ours.gflops / tfjs.gflops (medians). */
  ratio: number | null;
  /** ours.gflops / jaxjs.gflops (medians). */
  ratioJax: number | null;
  /** The same from each side's fastest sample, less sensitive to background load. */
  ratioMin: number | null;
}

/** M = 1024 token rows. */
export const TOKENS = 1024;

/**
 * The cases: squares, then per model width d the three matmul shapes of a block (d -> d as in
 * the attention projections, d -> 4d MLP up, 4d -> d MLP down), each as its forward (C = X.W,
 * [1024, in, out]) and the two backward products dX = dY.W^T ([1024, out, in], transB) and
 * dW = X^T.dY ([in, 1024, out], transA).
 */
export function matmulCases(
  widths: readonly number[],
  squares: readonly number[],
  /** Leave out MLP shapes whose hidden width 4d exceeds this (CPU adapters, for time). */
  maxHidden = Infinity,
): MatmulCase[] {
  const cases: MatmulCase[] = squares.map((s) => ({
    shape: [s, s, s],
    variant: 'none',
    role: `square ${s}`,
  }));
  for (const d of widths) {
    for (const [din, dout, name] of [
      [d, d, 'proj'],
      [d, 4 * d, 'mlp up'],
      [4 * d, d, 'mlp down'],
    ] as const) {
      if (Math.max(din, dout) > Math.max(d, maxHidden)) continue;
      const tag = `${name} ${din}->${dout}`;
      cases.push({ shape: [TOKENS, din, dout], variant: 'none', role: `fwd ${tag}` });
      cases.push({ shape: [TOKENS, dout, din], variant: 'transB', role: `dX ${tag}` });
      cases.push({ shape: [din, TOKENS, dout], variant: 'transA', role: `dW ${tag}` });
    }
  }
  return cases;
}

export interface MatmulBenchOptions {
  tfjs: TfjsBench | null;
  jaxjs: JaxjsBench | null;
  timer: GpuTimer;
  policy: RepeatPolicy;
  /** Also time the variants prepareMatmul would not pick. */
  allVariants: boolean;
  variants: readonly MatmulVariant[];
  onRow?: (row: MatmulRow) => void;
}

export async function benchMatmul(
  ctx: GpuContext,
  cases: readonly MatmulCase[],
  o: MatmulBenchOptions,
): Promise<MatmulRow[]> {
  const rows: MatmulRow[] = [];
  const rng = new Rng(12345);
  for (const c of cases) {
    const [m, k, n] = c.shape;
    const transA = c.variant === 'transA';
    const transB = c.variant === 'transB';
    const gflop = (2 * m * k * n) / 1e9;
    const a = createTensor(ctx, [m * k], 'f32', 'bench A');
    const b = createTensor(ctx, [k * n], 'f32', 'bench B');
    const out = createTensor(ctx, [m * n], 'f32', 'bench C');
    writeTensor(ctx, a, rng.uniformArray(m * k));
    writeTensor(ctx, b, rng.uniformArray(k * n));
    const chosen = chooseMatmulVariant(ctx.adapter, {
      m,
      n,
      k,
      transA,
      transB,
      subgroups: ctx.features.subgroups,
    });
    const kernels = [chosen, ...(o.allVariants ? o.variants.filter((v) => v !== chosen) : [])];
    const ops = [];
    for (const variant of kernels) {
      const label = `bench matmul ${m}x${k}x${n} ${c.variant}`;
      ops.push(await prepareMatmul(ctx, { a, b, c: out, m, k, n, transA, transB, variant, label }));
    }
    const contenders: Contender[] = ops.map((op) => ({
      name: op.label,
      sample: (inner) => o.timer.time((pass) => op.encode(pass), inner, op.label),
    }));
    const tf = o.tfjs?.matmul(m, k, n, transA, transB);
    const tfAt = contenders.length;
    if (tf) contenders.push({ name: 'tfjs', sample: (inner) => tf.time(inner) });
    const jax = o.jaxjs?.matmul(m, k, n, transA, transB);
    const jaxAt = contenders.length;
    if (jax) contenders.push({ name: 'jaxjs', sample: (inner) => jax.time(inner) });
    try {
      const timings = await measure(contenders, o.policy);
      const rate = (t: Timing) => gflop / (t.ms / 1e3);
      const mine = kernels.map((kernel, i) => ({
        kernel,
        ms: timings[i].ms,
        gflops: rate(timings[i]),
        timing: timings[i],
      }));
      const tfTiming = tf ? timings[tfAt] : undefined;
      const jaxTiming = jax ? timings[jaxAt] : undefined;
      const row: MatmulRow = {
        ...c,
        gflop,
        ours: mine[0],
        ...(mine.length > 1 ? { others: mine.slice(1) } : {}),
        tfjs:
          tf && tfTiming
            ? {
                ms: tfTiming.ms,
                gflops: rate(tfTiming),
                programs: tf.programs(),
                method: tf.method(),
                timing: tfTiming,
              }
            : null,
        jaxjs: jaxTiming ? { ms: jaxTiming.ms, gflops: rate(jaxTiming), timing: jaxTiming } : null,
        ratio: tfTiming ? mine[0].gflops / rate(tfTiming) : null,
        ratioJax: jaxTiming ? mine[0].gflops / rate(jaxTiming) : null,
        ratioMin: tfTiming ? tfTiming.minMs / timings[0].minMs : null,
      };
      rows.push(row);
      o.onRow?.(row);
    } finally {
      tf?.dispose();
      jax?.dispose();
      ops.forEach((op) => op.release());
      [a, b, out].forEach((t) => releaseTensor(ctx, t));
    }
  }
  return rows;
}
