/** Dispatch-size helpers shared by the op wrappers. */
import type { GpuContext } from '../gpu';

/**
 * A 2D grid of workgroups holding `count` of them (one per row, chunk, ...), for counts beyond the
 * per-dimension limit (65535 on most adapters). The kernel recovers its index as
 * wid.y * x + wid.x and returns when that is >= count; `x` goes into its uniforms.
 */
export function grid2d(ctx: GpuContext, count: number, label: string): [number, number] {
  const max = ctx.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.max(1, Math.min(count, max));
  const y = Math.max(1, Math.ceil(count / x));
  if (y > max) {
    throw new Error(`${label}: ${count} workgroups exceed this adapter's ${max} x ${max} grid`);
  }
  return [x, y];
}
