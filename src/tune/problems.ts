/**
 * The problems a tuning run times: one per kernel and shape class. A model's list comes from its
 * op list as data (src/model/kernelProblems.ts), before any buffer exists.
 */
import { applicableVariants, type VariantEnv, type VariantRegistry } from '../ops/variants';
import { entryOf, type KernelProblem } from './kernels';

export type { KernelProblem } from './kernels';

function registryOf(p: KernelProblem): VariantRegistry<string, unknown> {
  return entryOf(p.kernel).registry as VariantRegistry<string, unknown>;
}

export function shapeClassOf(p: KernelProblem): string {
  return registryOf(p).shapeClass(p.problem);
}

/** The first problem of each kernel and shape class, in order. */
export function distinctProblems(list: readonly KernelProblem[]): KernelProblem[] {
  const seen = new Map<string, KernelProblem>();
  for (const p of list) {
    const key = `${p.kernel}:${shapeClassOf(p)}`;
    if (!seen.has(key)) seen.set(key, p);
  }
  return [...seen.values()];
}

/** The thresholds' variant for `p` in `env`, and every variant that applies, that one first. */
export function candidateVariants(
  env: VariantEnv,
  p: KernelProblem,
): { threshold: string; variants: string[] } {
  const registry = registryOf(p);
  const threshold = registry.threshold(env.adapter, p.problem);
  const rest = applicableVariants(registry, env, p.problem).filter((v) => v !== threshold);
  return { threshold, variants: [threshold, ...rest] };
}
