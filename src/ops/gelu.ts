/** Typed wrapper of kernels/gelu.wgsl (tanh-form GELU): shape checks, dispatch sizes, bindings. */
import geluWgsl from '../../kernels/gelu.wgsl?raw';
import type { GpuContext, GpuTensor, PreparedOp } from '../gpu';
import { prepareElementwise } from './elementwise';
import { checkDims, checkNoAliasing, needTensor } from './shapes';

export const GELU_KERNEL = { name: 'gelu', code: geluWgsl };

export interface GeluForwardArgs {
  x: GpuTensor;
  /** Output; a different buffer from x. */
  y: GpuTensor;
  /** Number of elements; default x.length. */
  n?: number;
  label?: string;
}

export interface GeluBackwardArgs {
  /** The forward's input. */
  x: GpuTensor;
  dy: GpuTensor;
  /** dx = dy * gelu'(x); a different buffer from x and dy. */
  dx: GpuTensor;
  n?: number;
  label?: string;
}

/** y = gelu(x), elementwise. */
export async function prepareGeluForward(
  ctx: GpuContext,
  args: GeluForwardArgs,
): Promise<PreparedOp> {
  const n = args.n ?? args.x.length;
  const label = args.label ?? `gelu forward ${n}`;
  checkDims(label, { n });
  needTensor(label, 'x', args.x, n);
  needTensor(label, 'y', args.y, n);
  checkNoAliasing(label, { y: args.y }, { x: args.x });
  return prepareElementwise(ctx, GELU_KERNEL, 'forward', { n }, { 1: args.x, 2: args.y }, label);
}

/** dx = dy * gelu'(x), elementwise. */
export async function prepareGeluBackward(
  ctx: GpuContext,
  args: GeluBackwardArgs,
): Promise<PreparedOp> {
  const n = args.n ?? args.x.length;
  const label = args.label ?? `gelu backward ${n}`;
  checkDims(label, { n });
  needTensor(label, 'x', args.x, n);
  needTensor(label, 'dy', args.dy, n);
  needTensor(label, 'dx', args.dx, n);
  checkNoAliasing(label, { dx: args.dx }, { x: args.x, dy: args.dy });
  return prepareElementwise(
    ctx,
    GELU_KERNEL,
    'backward',
    { n },
    { 1: args.x, 3: args.dy, 4: args.dx },
    label,
  );
}
