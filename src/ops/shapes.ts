/**
 * Checks shared by the op wrappers (sizes, dtypes, buffer aliasing) and the dispatch grid for
 * kernels that index a flat range of workgroups as wid.x + wid.y * num_workgroups.x.
 */
import type { DType, GpuContext, GpuTensor } from '../gpu';

/** Throws unless every value is a positive integer. */
export function checkDims(label: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`${label}: ${name} must be a positive integer, got ${v}`);
    }
  }
}

/** Throws unless `t` holds at least `elements` values of type `dtype`. */
export function needTensor(
  label: string,
  what: string,
  t: GpuTensor,
  elements: number,
  dtype: DType = 'f32',
): void {
  if (t.dtype !== dtype) {
    throw new Error(`${label}: ${what} must be ${dtype}, got ${t.dtype}`);
  }
  if (t.length < elements) {
    throw new Error(`${label}: ${what} has ${t.length} elements, needs at least ${elements}`);
  }
}

/**
 * WebGPU forbids binding one buffer both read_write and read-only in one dispatch (even as
 * different ranges). Throws naming the pair if an output shares a buffer with an input.
 */
export function checkNoAliasing(
  label: string,
  writes: Record<string, GpuTensor | undefined>,
  reads: Record<string, GpuTensor | undefined>,
): void {
  for (const [w, wt] of Object.entries(writes)) {
    if (!wt) continue;
    for (const [r, rt] of Object.entries(reads)) {
      if (rt && rt.buffer === wt.buffer) {
        throw new Error(
          `${label}: ${w} and ${r} share a GPU buffer; an output bound read_write may not share ` +
            'a buffer with an input of the same dispatch',
        );
      }
    }
  }
}

/**
 * Workgroup counts for `groups` workgroups laid out as (x, y): y > 1 only when `groups`
 * exceeds the per-dimension limit. Kernels recover the flat index as wid.x + wid.y * nwg.x and
 * skip indices >= groups.
 */
export function flatGrid(ctx: GpuContext, groups: number, label: string): [number, number, number] {
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  const n = Math.max(1, groups);
  if (n <= max) return [n, 1, 1];
  const y = Math.ceil(n / max);
  if (y > max) {
    throw new Error(`${label}: ${n} workgroups exceed this adapter's dispatch limits`);
  }
  return [Math.ceil(n / y), y, 1];
}
