/** Typed wrapper of kernels/gelu.wgsl (tanh-form GELU): shape checks, dispatch sizes, bindings. */
import geluWgsl from '../../kernels/gelu.wgsl?raw';
import {
  createUniform,
  singleDispatchOp,
  tensorEntries,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import { checkDims, checkNoAliasing, flatGrid, needTensor } from './shapes';

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

async function prepareGelu(
  ctx: GpuContext,
  entry: 'forward' | 'backward',
  n: number,
  label: string,
  bindings: Array<[number, GpuTensor]>,
): Promise<PreparedOp> {
  const pipeline = await ctx.pipelines.get(GELU_KERNEL, entry);
  const uniforms = createUniform(ctx, GELU_KERNEL, { n }, label);
  return singleDispatchOp(ctx, {
    pipeline,
    entries: [{ binding: 0, resource: { buffer: uniforms } }, ...tensorEntries(bindings)],
    groups: flatGrid(ctx, Math.ceil(n / 256), label),
    label,
    owned: [uniforms],
  });
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
  return prepareGelu(ctx, 'forward', n, label, [
    [1, args.x],
    [2, args.y],
  ]);
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
  return prepareGelu(ctx, 'backward', n, label, [
    [1, args.x],
    [3, args.dy],
    [4, args.dx],
  ]);
}
