/**
 * The kernel-variant registry and the choice policy the op wrappers' choosers go through.
 *
 * Each kernel with variants declares one `VariantRegistry`: its variants, each one entry (name
 * and applicability rule), the shape class a problem falls in, and the hand-set thresholds
 * (today's default). `chooseVariant` returns the variant the tuned table names for this shape
 * class (src/tune, from a cache or a fresh timing run; carried by the GpuContext the ops are
 * prepared on, GpuContext.tuned), else the thresholds' choice. No table is held here: two
 * contexts, or two tests, never share a choice.
 *
 * Adding a variant: add its name to the kernel's `*_VARIANTS` tuple and one entry to its
 * registry's `variants` record (the record's type makes the entry mandatory); the tuner then
 * self-tests and times it wherever its rule says it applies. A kernel becomes tunable through
 * its entry in src/tune/kernels/.
 */
import type { AdapterSummary, GpuFeatures, VariantTable } from '../gpu';

/** What an applicability rule may look at besides the problem. */
export interface VariantEnv {
  adapter: AdapterSummary;
  features: GpuFeatures;
}

export interface VariantRule<P> {
  /** False where the variant cannot run (missing feature, shape beyond its limits). Default: always. */
  applies?: (env: VariantEnv, problem: P) => boolean;
}

export interface VariantRegistry<V extends string, P> {
  /** The kernel's name as its self-test, the tuner and its cache know it (src/tune/kernels/). */
  kernel: string;
  variants: { readonly [name in V]: VariantRule<P> };
  /** The key under which a tuned choice for `problem` is stored: equal keys share a choice. */
  shapeClass(problem: P): string;
  /** The hand-set rule used when nothing is tuned for the adapter and shape class. */
  threshold(adapter: AdapterSummary, problem: P): V;
}

/** The identity a tuning is cached under: the adapter's four info strings. */
export function adapterKey(a: AdapterSummary): string {
  return JSON.stringify([a.vendor, a.architecture, a.device, a.description]);
}

/** `name` as one of the registry's variants (undefined stays undefined); throws on an unknown name. */
export function asVariant<V extends string, P>(
  registry: VariantRegistry<V, P>,
  name: string | undefined,
): V | undefined {
  if (name === undefined) return undefined;
  if (!Object.hasOwn(registry.variants, name)) {
    throw new Error(`${registry.kernel}: unknown variant ${name}`);
  }
  return name as V;
}

export function variantNames<V extends string, P>(registry: VariantRegistry<V, P>): V[] {
  return Object.keys(registry.variants) as V[];
}

/** The variants whose rule admits `problem` in `env`. */
export function applicableVariants<V extends string, P>(
  registry: VariantRegistry<V, P>,
  env: VariantEnv,
  problem: P,
): V[] {
  return variantNames(registry).filter((v) => {
    const rule: VariantRule<P> = registry.variants[v];
    return rule.applies?.(env, problem) ?? true;
  });
}

/** Which rule made a choice, for labels and the self-test panel. */
export type ChoiceSource = 'tuned' | 'threshold';

/**
 * The variant `tuned` (the context's table, GpuContext.tuned) names for this shape class, else
 * the thresholds'.
 */
export function chooseVariantWithSource<V extends string, P>(
  registry: VariantRegistry<V, P>,
  adapter: AdapterSummary,
  problem: P,
  tuned?: VariantTable,
): { variant: V; source: ChoiceSource } {
  const name = tuned?.[registry.kernel]?.[registry.shapeClass(problem)];
  if (name !== undefined && Object.hasOwn(registry.variants, name)) {
    return { variant: name as V, source: 'tuned' };
  }
  return { variant: registry.threshold(adapter, problem), source: 'threshold' };
}

export function chooseVariant<V extends string, P>(
  registry: VariantRegistry<V, P>,
  adapter: AdapterSummary,
  problem: P,
  tuned?: VariantTable,
): V {
  return chooseVariantWithSource(registry, adapter, problem, tuned).variant;
}
