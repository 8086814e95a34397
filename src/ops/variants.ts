/**
 * The kernel-variant registry and the choice policy the op wrappers' choosers go through.
 *
 * Each kernel with variants declares one `VariantRegistry`: its variants, each one entry (name
 * and applicability rule), the shape class a problem falls in, and the hand-set thresholds
 * (today's default). `chooseVariant` returns the variant tuned for this adapter and shape class
 * when a tuning table has been installed for the adapter (src/tune, from a cache or a fresh
 * timing run), else the thresholds' choice. Tables are keyed by the adapter's identity (vendor,
 * architecture, device, description), so two devices of one process never share a choice.
 *
 * Adding a variant: add its name to the kernel's `*_VARIANTS` tuple and one entry to its
 * registry's `variants` record (the record's type makes the entry mandatory); the tuner then
 * self-tests and times it wherever its rule says it applies.
 */
import type { AdapterSummary, GpuFeatures } from '../gpu';

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
  /** The kernel's name as the tuner and its cache know it. */
  kernel: TunableKernel;
  variants: { readonly [name in V]: VariantRule<P> };
  /** The key under which a tuned choice for `problem` is stored: equal keys share a choice. */
  shapeClass(problem: P): string;
  /** The hand-set rule used when nothing is tuned for the adapter and shape class. */
  threshold(adapter: AdapterSummary, problem: P): V;
}

/** Named as their self-tests (src/ops/selftest/) name them. */
export const TUNABLE_KERNELS = [
  'matmul',
  'layernorm',
  'cross_entropy',
  'attention',
  'embedding',
  'adamw',
  'residual_layernorm',
] as const;
export type TunableKernel = (typeof TUNABLE_KERNELS)[number];

/** Tuned variant names by kernel, then by shape class. */
export type TunedTable = Partial<Record<TunableKernel, Record<string, string>>>;

/** The identity a tuning is cached under: the adapter's four info strings. */
export function adapterKey(a: AdapterSummary): string {
  return JSON.stringify([a.vendor, a.architecture, a.device, a.description]);
}

const installed = new Map<string, TunedTable>();

/** Makes the choosers use `table` on this adapter from now on (undefined: thresholds again). */
export function installTunedVariants(adapter: AdapterSummary, table: TunedTable | undefined): void {
  if (table) installed.set(adapterKey(adapter), table);
  else installed.delete(adapterKey(adapter));
}

export function installedTunedVariants(adapter: AdapterSummary): TunedTable | undefined {
  return installed.get(adapterKey(adapter));
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

/** Sees every problem a chooser is asked about (the tuner collects a model's problems so). */
export type ChoiceObserver = (kernel: TunableKernel, problem: unknown) => void;
const observers = new Set<ChoiceObserver>();

/** Calls `observer` on every choice until the returned function is called. */
export function observeChoices(observer: ChoiceObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Which rule made a choice, for labels and the self-test panel. */
export type ChoiceSource = 'tuned' | 'threshold';

/** The tuned variant for this adapter and shape class if one is installed, else the thresholds'. */
export function chooseVariantWithSource<V extends string, P>(
  registry: VariantRegistry<V, P>,
  adapter: AdapterSummary,
  problem: P,
): { variant: V; source: ChoiceSource } {
  for (const observe of observers) observe(registry.kernel, problem);
  const tuned = installed.get(adapterKey(adapter))?.[registry.kernel]?.[
    registry.shapeClass(problem)
  ];
  if (tuned !== undefined && Object.hasOwn(registry.variants, tuned)) {
    return { variant: tuned as V, source: 'tuned' };
  }
  return { variant: registry.threshold(adapter, problem), source: 'threshold' };
}

export function chooseVariant<V extends string, P>(
  registry: VariantRegistry<V, P>,
  adapter: AdapterSummary,
  problem: P,
): V {
  return chooseVariantWithSource(registry, adapter, problem).variant;
}
