/**
 * When the subgroup kernel variants (kernels/*_subgroup.wgsl) can run, and with how many threads.
 * They use workgroups of the adapter's smallest subgroup size, which are always exactly one
 * subgroup, so their reductions need no workgroup memory and no assumption on how a driver lays
 * subgroups out or which size it picks.
 */
import type { GpuFeatures } from '../gpu';
import type { VariantRule } from './variants';

/** Largest workgroup the subgroup variants use (WebGPU guarantees 256 invocations). */
const MAX_SUBGROUP_WORKGROUP = 256;

/** Threads per workgroup of a subgroup variant on this device; 0 where none can run. */
export function subgroupLanes(features: GpuFeatures): number {
  const n = features.subgroupMinSize;
  return features.subgroups && n >= 1 && n <= MAX_SUBGROUP_WORKGROUP ? n : 0;
}

/** The registry rule of every subgroup variant: the device has subgroups of a known size. */
export const SUBGROUP_RULE: VariantRule<unknown> = {
  applies: (env) => subgroupLanes(env.features) > 0,
};
