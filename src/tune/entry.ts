/**
 * What the tuner needs of one tunable kernel, in one registry entry (src/tune/kernels/): its
 * variants and their rules (the op's VariantRegistry), how to time one problem with a forced
 * variant, and the self-test case (with its error bound) that must pass before a variant is
 * timed. Adding a tunable kernel is one entry here and one line in src/tune/kernels/index.ts.
 */
import type { GpuContext, GpuTensor, PreparedOp } from '../gpu';
import type { SelfTest } from '../ops/selftest/common';
import type { VariantRegistry } from '../ops/variants';

/** Tensors for a timing run; the tuner releases them with the ops. */
export interface TuningScratch {
  /** A tensor of `n` elements (contents unspecified: timing does not depend on the values). */
  tensor(n: number, label: string, dtype?: 'f32' | 'u32'): GpuTensor;
}

export interface TunableKernelEntry<P> {
  registry: VariantRegistry<string, P>;
  /**
   * The ops one timed run of `problem` encodes with `variant` forced (forward and backward where
   * the kernel has both), on tensors from `scratch`.
   */
  prepareTiming(
    ctx: GpuContext,
    problem: P,
    variant: string,
    scratch: TuningScratch,
  ): Promise<PreparedOp[]>;
  /** Checks a variant against the float64 reference within the kernel's derived bound. */
  selfTest: SelfTest;
}
