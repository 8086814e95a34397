/**
 * Typed wrapper of kernels/residual.wgsl: out = a + scale * b, x += scale * b in place, and
 * dst = alpha * src + beta * dst (the residual's backward: db = scale * dout; da = dout itself).
 */
import residualWgsl from '../../kernels/residual.wgsl?raw';
import { type GpuContext, type GpuTensor, type PreparedOp } from '../gpu';
import { prepareElementwise } from './elementwise';
import { checkDims, checkNoAliasing, needTensor } from './shapes';

export const RESIDUAL_KERNEL = { name: 'residual', code: residualWgsl };

export interface ResidualAddArgs {
  a: GpuTensor;
  b: GpuTensor;
  /** out = a + scale * b; a different buffer from a and b (else use prepareResidualAccumulate). */
  out: GpuTensor;
  /** Branch multiplier (depth-µP: L^-alpha). Default 1. */
  scale?: number;
  /** Number of elements; default a.length. */
  n?: number;
  label?: string;
}

export interface ResidualAccumulateArgs {
  /** Updated in place: x += scale * b. */
  x: GpuTensor;
  /** A different buffer from x. */
  b: GpuTensor;
  scale?: number;
  n?: number;
  label?: string;
}

export interface AxpyArgs {
  src: GpuTensor;
  /** dst = alpha * src + beta * dst; a different buffer from src. beta = 0 never reads dst. */
  dst: GpuTensor;
  alpha?: number;
  beta?: number;
  n?: number;
  label?: string;
}

async function prepareResidual(
  ctx: GpuContext,
  entry: 'add' | 'axpy',
  n: number,
  alpha: number,
  beta: number,
  label: string,
  bindings: Readonly<Record<number, GpuTensor>>,
): Promise<PreparedOp> {
  for (const [name, v] of Object.entries({ alpha, beta })) {
    if (!Number.isFinite(v)) throw new Error(`${label}: ${name} must be finite, got ${v}`);
  }
  return prepareElementwise(ctx, RESIDUAL_KERNEL, entry, { n, alpha, beta }, bindings, label);
}

/** out = a + scale * b. */
export async function prepareResidualAdd(
  ctx: GpuContext,
  args: ResidualAddArgs,
): Promise<PreparedOp> {
  const n = args.n ?? args.a.length;
  const label = args.label ?? `residual add ${n}`;
  checkDims(label, { n });
  needTensor(label, 'a', args.a, n);
  needTensor(label, 'b', args.b, n);
  needTensor(label, 'out', args.out, n);
  checkNoAliasing(label, { out: args.out }, { a: args.a, b: args.b });
  return prepareResidual(ctx, 'add', n, args.scale ?? 1, 0, label, {
    1: args.a,
    2: args.b,
    3: args.out,
  });
}

/** x += scale * b, in place (one read_write binding for x). */
export function prepareResidualAccumulate(
  ctx: GpuContext,
  args: ResidualAccumulateArgs,
): Promise<PreparedOp> {
  return prepareResidualAxpy(ctx, {
    src: args.b,
    dst: args.x,
    alpha: args.scale ?? 1,
    beta: 1,
    n: args.n ?? args.x.length,
    label: args.label ?? `residual accumulate ${args.n ?? args.x.length}`,
  });
}

/** dst = alpha * src + beta * dst: scales (beta = 0) or accumulates (beta = 1) a gradient. */
export async function prepareResidualAxpy(ctx: GpuContext, args: AxpyArgs): Promise<PreparedOp> {
  const n = args.n ?? args.src.length;
  const label = args.label ?? `axpy ${n}`;
  checkDims(label, { n });
  needTensor(label, 'src', args.src, n);
  needTensor(label, 'dst', args.dst, n);
  checkNoAliasing(label, { dst: args.dst }, { src: args.src });
  return prepareResidual(ctx, 'axpy', n, args.alpha ?? 1, args.beta ?? 0, label, {
    4: args.src,
    5: args.dst,
  });
}
