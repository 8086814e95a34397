/**
 * The GPU half of an optimizer: given the model of K stacked runs and each run's per-tensor values
 * (transfer(), whose learning rates and ε already follow the optimizer's rules), it allocates its
 * state buffers and prepares the update kernels of one step. The rules half is in
 * src/mup/optimizers.ts, under the same name.
 */
import type { GpuContext, GpuTensor, PreparedOp } from '../../gpu';
import type { OptimizerName } from '../../mup/optimizers';
import type { TransferResult } from '../../mup/transfer';
import type { GptGpu } from '../../model/gpt';

export interface OptimizerSetup {
  model: GptGpu;
  /** One per stacked run (group k = run k); they share β, clip and the optimizer. */
  transfers: readonly TransferResult[];
}

/** One step's update over every parameter of every run, encoded after the backward pass. */
export interface OptimizerUpdateOp extends PreparedOp {
  /**
   * [runs x 4] u32, per run the gradients' sum of squares and max |g| (f32 bits), the non-finite
   * flag of the last step (1: that run's update was skipped) and the number of skipped steps:
   * what the trainer reads back to detect divergence (decodeGroupStats in src/ops/reduce.ts).
   */
  readonly stats: GpuTensor;
  /** Step number t >= 1 and the schedule's learning-rate factor of the next encoded update. */
  setStep(step: number, lrScale?: number): void;
  /** Releases the op's kernels and the optimizer's state buffers. */
  release(): void;
}

export interface GpuOptimizer {
  readonly name: OptimizerName;
  prepare(ctx: GpuContext, setup: OptimizerSetup): Promise<OptimizerUpdateOp>;
}
