/**
 * When the subgroup kernel variants (kernels/*_subgroup.wgsl) can run, and with how many threads.
 * They use workgroups of the adapter's smallest subgroup size, which are always exactly one
 * subgroup, so their reductions need no workgroup memory and no assumption on how a driver lays
 * subgroups out or which size it picks.
 */
import type { GpuContext, GpuFeatures } from '../gpu';
import { chooseVariant, type VariantRegistry, type VariantRule } from './variants';

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

/**
 * The variant an op on `ctx` runs: `forced` (an unknown name, or 'subgroup' on a device without
 * subgroups, is an error), else the chooser's. A chosen 'subgroup' (tuned on a device of this
 * adapter that had subgroups) becomes `withoutSubgroups` on a device without them.
 */
export function variantOn<V extends string, P>(
  ctx: GpuContext,
  registry: VariantRegistry<V, P>,
  problem: P,
  forced: V | undefined,
  withoutSubgroups: V,
  label: string,
): V {
  if (forced !== undefined && !Object.hasOwn(registry.variants, forced)) {
    throw new Error(`${label}: unknown variant ${String(forced)}`);
  }
  const usable = subgroupLanes(ctx.features) > 0;
  if (forced === 'subgroup' && !usable) {
    throw new Error(`${label}: variant subgroup needs a device with the subgroups feature`);
  }
  const chosen = forced ?? chooseVariant(registry, ctx.adapter, problem, ctx.tuned);
  return chosen === 'subgroup' && !usable ? withoutSubgroups : chosen;
}
