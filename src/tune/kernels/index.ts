/**
 * Every tunable kernel's entry (src/tune/entry.ts), by the name its registry, self-test and the
 * tune cache know it: this record is the one list of tunable kernels.
 */
import type { TunableKernelEntry } from '../entry';
import { adamwTuning } from './adamw';
import { attentionTuning } from './attention';
import { crossEntropyTuning } from './cross_entropy';
import { embeddingTuning } from './embedding';
import { layernormTuning } from './layernorm';
import { matmulTuning } from './matmul';
import { matmulGeluTuning } from './matmul_gelu';
import { residualLayerNormTuning } from './residual_layernorm';

export const TUNABLE_KERNEL_ENTRIES = {
  matmul: matmulTuning,
  layernorm: layernormTuning,
  cross_entropy: crossEntropyTuning,
  attention: attentionTuning,
  embedding: embeddingTuning,
  adamw: adamwTuning,
  residual_layernorm: residualLayerNormTuning,
  matmul_gelu: matmulGeluTuning,
} as const satisfies Record<string, TunableKernelEntry<never>>;

export type TunableKernel = keyof typeof TUNABLE_KERNEL_ENTRIES;
export const TUNABLE_KERNELS = Object.keys(TUNABLE_KERNEL_ENTRIES) as [
  TunableKernel,
  ...TunableKernel[],
];

/** Tuned variant names by kernel, then by shape class (a GpuContext carries one as `tuned`). */
export type TunedTable = Partial<Record<TunableKernel, Record<string, string>>>;

for (const [name, entry] of Object.entries(TUNABLE_KERNEL_ENTRIES)) {
  if (entry.registry.kernel !== name || entry.selfTest.kernel !== name) {
    throw new Error(
      `src/tune/kernels: entry ${name} holds the registry or self-test of another kernel`,
    );
  }
}

type Entries = typeof TUNABLE_KERNEL_ENTRIES;
/** The full problem (everything timing needs) of kernel K. */
export type ProblemOf<K extends TunableKernel> =
  Entries[K] extends TunableKernelEntry<infer P> ? P : never;

/** A tunable kernel with one problem of it. */
export type KernelProblem = {
  [K in TunableKernel]: { kernel: K; problem: ProblemOf<K> };
}[TunableKernel];

/** Kernel K's entry with its problem type. */
export function entryOf<K extends TunableKernel>(kernel: K): TunableKernelEntry<ProblemOf<K>> {
  return TUNABLE_KERNEL_ENTRIES[kernel] as TunableKernelEntry<ProblemOf<K>>;
}
