/** Kernels with one thread per element in workgroups of 256 (gelu, residual). */
import {
  prepareKernelDispatch,
  tensorEntries,
  type GpuContext,
  type GpuTensor,
  type KernelSource,
  type PreparedOp,
  type UniformValues,
} from '../gpu';
import { flatGrid } from './shapes';

/** The elementwise kernels' workgroup size (`const WG = 256u;` in each). */
export const ELEMENTWISE_WORKGROUP = 256;

/** `entry` of `kernel` over `uniforms.n` elements, laid out by flatGrid; tensors by binding. */
export function prepareElementwise(
  ctx: GpuContext,
  kernel: KernelSource,
  entry: string,
  uniforms: UniformValues & { n: number },
  bindings: Readonly<Record<number, GpuTensor>>,
  label: string,
): Promise<PreparedOp> {
  const groups = flatGrid(ctx, Math.ceil(uniforms.n / ELEMENTWISE_WORKGROUP), label);
  const entries = tensorEntries(Object.entries(bindings).map(([b, t]) => [Number(b), t]));
  return prepareKernelDispatch(ctx, { kernel, entry, uniforms, entries, groups, label });
}
