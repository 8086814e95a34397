/**
 * How the tuner runs one kernel problem with a forced variant: its entry's timing set-up
 * (src/tune/kernels/) on zero-filled tensors of the problem's sizes (timing does not depend on
 * the values, and zero targets are valid token ids), released together with the ops.
 */
import {
  createTensor,
  releaseTensor,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import type { TunableKernelEntry, TuningScratch } from './entry';
import { entryOf } from './kernels';
import type { KernelProblem } from './problems';

export interface TimedOps {
  ops: PreparedOp[];
  release(): void;
}

export async function prepareProblem(
  ctx: GpuContext,
  p: KernelProblem,
  variant: string,
): Promise<TimedOps> {
  const tensors: GpuTensor[] = [];
  const ops: PreparedOp[] = [];
  const release = () => {
    for (const op of ops.splice(0)) op.release();
    for (const x of tensors.splice(0)) releaseTensor(ctx, x);
  };
  const scratch = {
    tensor(n: number, label: string, dtype: 'f32' | 'u32' = 'f32') {
      const x = createTensor(ctx, [n], dtype, `tune ${label}`);
      tensors.push(x);
      return x;
    },
  };
  try {
    ops.push(...(await timingOps(ctx, p, variant, scratch)));
  } catch (e) {
    release();
    throw e;
  }
  return { ops, release };
}

/** `p.problem` is a problem of `p.kernel` (KernelProblem pairs them), which TS cannot follow. */
function timingOps(
  ctx: GpuContext,
  p: KernelProblem,
  variant: string,
  scratch: TuningScratch,
): Promise<PreparedOp[]> {
  const entry = entryOf(p.kernel) as TunableKernelEntry<KernelProblem['problem']>;
  return entry.prepareTiming(ctx, p.problem, variant, scratch);
}
