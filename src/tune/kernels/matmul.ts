/** The matmul's tuning entry: one C = A · B over the problem's batch, transposes as given. */
import { MATMUL_VARIANT_REGISTRY, prepareMatmul, type MatmulProblem } from '../../ops/matmul';
import { matmulSelfTest } from '../../ops/selftest/matmul';
import { asVariant } from '../../ops/variants';
import type { TunableKernelEntry } from '../entry';

export const matmulTuning: TunableKernelEntry<Required<MatmulProblem>> = {
  registry: MATMUL_VARIANT_REGISTRY,
  selfTest: matmulSelfTest,
  async prepareTiming(ctx, problem, variant, scratch) {
    const { m, k, n, batch } = problem;
    return [
      await prepareMatmul(ctx, {
        ...problem,
        a: scratch.tensor(batch * m * k, 'A'),
        b: scratch.tensor(batch * k * n, 'B'),
        c: scratch.tensor(batch * m * n, 'C'),
        variant: asVariant(MATMUL_VARIANT_REGISTRY, variant),
      }),
    ];
  },
};
