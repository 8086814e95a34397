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

/** `entry` of `kernel` over `uniforms.n` elements, laid out by flatGrid. */
export function prepareElementwise(
  ctx: GpuContext,
  kernel: KernelSource,
  entry: string,
  uniforms: UniformValues & { n: number },
  bindings: ReadonlyArray<[number, GpuTensor]>,
  label: string,
): Promise<PreparedOp> {
  const groups = flatGrid(ctx, Math.ceil(uniforms.n / ELEMENTWISE_WORKGROUP), label);
  const entries = tensorEntries(bindings);
  return prepareKernelDispatch(ctx, { kernel, entry, uniforms, entries, groups, label });
}
