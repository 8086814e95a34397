/**
 * The problems a tuning run times: one per kernel and shape class, as the op wrappers' choosers
 * see them. `collectProblems` records them while a model is built, so the tuner times exactly
 * the shapes a training run uses (no second list of a GPT's shapes to keep in step).
 */
import { ADAMW_VARIANT_REGISTRY, type AdamWProblem } from '../ops/adamw';
import type { AttentionProblem } from '../ops/attention';
import { ATTENTION_VARIANT_REGISTRY } from '../ops/attention';
import type { CrossEntropyProblem } from '../ops/cross_entropy';
import { EMBEDDING_VARIANT_REGISTRY, type EmbeddingProblem } from '../ops/embedding';
import { CROSS_ENTROPY_VARIANT_REGISTRY } from '../ops/cross_entropy';
import type { LayerNormProblem } from '../ops/layernorm';
import { LAYERNORM_VARIANT_REGISTRY } from '../ops/layernorm';
import type { MatmulProblem } from '../ops/matmul';
import { MATMUL_VARIANT_REGISTRY } from '../ops/matmul';
import {
  RESIDUAL_LAYERNORM_VARIANT_REGISTRY,
  type ResidualLayerNormProblem,
} from '../ops/residualLayernorm';
import { completeResidualLayerNormProblem } from './residualLayernorm';
import {
  applicableVariants,
  observeChoices,
  type TunableKernel,
  type VariantEnv,
  type VariantRegistry,
} from '../ops/variants';

export type KernelProblem =
  | { kernel: 'matmul'; problem: Required<MatmulProblem> }
  | { kernel: 'layernorm'; problem: Required<LayerNormProblem> }
  | { kernel: 'cross_entropy'; problem: Required<CrossEntropyProblem> }
  | { kernel: 'attention'; problem: AttentionProblem }
  | { kernel: 'embedding'; problem: Required<EmbeddingProblem> }
  | { kernel: 'adamw'; problem: Required<AdamWProblem> }
  | { kernel: 'residual_layernorm'; problem: Required<ResidualLayerNormProblem> };

/** Each tunable kernel's registry, by name. */
export const REGISTRIES: {
  [K in TunableKernel]: VariantRegistry<string, Extract<KernelProblem, { kernel: K }>['problem']>;
} = {
  matmul: MATMUL_VARIANT_REGISTRY,
  layernorm: LAYERNORM_VARIANT_REGISTRY,
  cross_entropy: CROSS_ENTROPY_VARIANT_REGISTRY,
  // The tuner only ever passes a problem; the registry also takes none (the thresholds' call).
  attention: ATTENTION_VARIANT_REGISTRY as VariantRegistry<string, AttentionProblem>,
  embedding: EMBEDDING_VARIANT_REGISTRY,
  adamw: ADAMW_VARIANT_REGISTRY,
  residual_layernorm: RESIDUAL_LAYERNORM_VARIANT_REGISTRY,
};

export function shapeClassOf(p: KernelProblem): string {
  switch (p.kernel) {
    case 'matmul':
      return REGISTRIES.matmul.shapeClass(p.problem);
    case 'layernorm':
      return REGISTRIES.layernorm.shapeClass(p.problem);
    case 'cross_entropy':
      return REGISTRIES.cross_entropy.shapeClass(p.problem);
    case 'attention':
      return REGISTRIES.attention.shapeClass(p.problem);
    case 'embedding':
      return REGISTRIES.embedding.shapeClass(p.problem);
    case 'adamw':
      return REGISTRIES.adamw.shapeClass(p.problem);
    case 'residual_layernorm':
      return REGISTRIES.residual_layernorm.shapeClass(p.problem);
  }
}

/** The thresholds' variant for `p` in `env`, and every variant that applies, that one first. */
export function candidateVariants(
  env: VariantEnv,
  p: KernelProblem,
): { threshold: string; variants: string[] } {
  const registry = REGISTRIES[p.kernel] as VariantRegistry<string, unknown>;
  const threshold = registry.threshold(env.adapter, p.problem);
  const rest = applicableVariants(registry, env, p.problem).filter((v) => v !== threshold);
  return { threshold, variants: [threshold, ...rest] };
}

/** A chooser's problem as a full tuning problem, or undefined if it lacks what timing needs. */
function complete(kernel: TunableKernel, problem: unknown): KernelProblem | undefined {
  const p = (problem ?? {}) as Record<string, unknown>;
  const int = (k: string) => (Number.isInteger(p[k]) ? (p[k] as number) : undefined);
  const bool = (k: string) => p[k] === true;
  switch (kernel) {
    case 'matmul': {
      const [m, k, n] = [int('m'), int('k'), int('n')];
      if (m === undefined || k === undefined || n === undefined) return undefined;
      const batch = int('batch') ?? 1;
      return {
        kernel,
        problem: {
          m,
          k,
          n,
          batch,
          transA: bool('transA'),
          transB: bool('transB'),
          subgroups: bool('subgroups'),
        },
      };
    }
    case 'layernorm': {
      const [width, rows] = [int('width'), int('rows')];
      return width && rows
        ? { kernel, problem: { width, rows, subgroups: bool('subgroups') } }
        : undefined;
    }
    case 'cross_entropy': {
      const [vocab, rows] = [int('vocab'), int('rows')];
      return vocab && rows ? { kernel, problem: { vocab, rows } } : undefined;
    }
    case 'attention': {
      const [batch, heads, headSize, context] = [
        int('batch'),
        int('heads'),
        int('headSize'),
        int('context'),
      ];
      return batch && heads && headSize && context
        ? { kernel, problem: { batch, heads, headSize, context } }
        : undefined;
    }
    case 'embedding': {
      const [vocab, dim, tokens] = [int('vocab'), int('dim'), int('tokens')];
      return vocab && dim && tokens ? { kernel, problem: { vocab, dim, tokens } } : undefined;
    }
    case 'adamw': {
      const [params, tensors] = [int('params'), int('tensors')];
      return params && tensors ? { kernel, problem: { params, tensors } } : undefined;
    }
    case 'residual_layernorm': {
      const full = completeResidualLayerNormProblem(p);
      return full && { kernel, problem: full };
    }
  }
}

/**
 * Runs `build` (e.g. building a model, which prepares every op it will run) and returns the
 * distinct problems its choosers were asked about, one per kernel and shape class, in order.
 */
export async function collectProblems(build: () => Promise<void>): Promise<KernelProblem[]> {
  const seen = new Map<string, KernelProblem>();
  const stop = observeChoices((kernel, problem) => {
    const full = complete(kernel, problem);
    if (!full) return;
    const key = `${kernel}:${shapeClassOf(full)}`;
    if (!seen.has(key)) seen.set(key, full);
  });
  try {
    await build();
  } finally {
    stop();
  }
  return [...seen.values()];
}
