/**
 * The matmul_gelu tuning entry (src/ops/matmulGelu.ts: the MLP's GELU fused into its matmul's
 * epilogue or a separate pass): the forward (u = x W + b per run, and g) or the backward
 * (dU = (dY W^T) gelu'(u)), as the MLP runs them.
 */
import {
  MATMUL_GELU_VARIANT_REGISTRY,
  prepareMatmulGeluBackward,
  prepareMatmulGeluForward,
  type MatmulGeluProblem,
} from '../../ops/matmulGelu';
import { matmulGeluSelfTest } from '../../ops/selftest/matmulGelu';
import { asVariant } from '../../ops/variants';
import type { TunableKernelEntry } from '../entry';

export const matmulGeluTuning: TunableKernelEntry<Required<MatmulGeluProblem>> = {
  registry: MATMUL_GELU_VARIANT_REGISTRY,
  selfTest: matmulGeluSelfTest,
  async prepareTiming(ctx, problem, variant, { tensor }) {
    const { m, k, n, batch, transA, transB, direction } = problem;
    const epilogue = asVariant(MATMUL_GELU_VARIANT_REGISTRY, variant);
    const shape = { m, k, n, batch, transA, transB, epilogue };
    const operands = { a: tensor(batch * m * k, 'A'), b: tensor(batch * k * n, 'B') };
    const c = tensor(batch * m * n, 'C');
    if (direction === 'forward') {
      const bias = { bias: tensor(batch * n, 'bias'), strideBias: n };
      const g = tensor(batch * m * n, 'g');
      return prepareMatmulGeluForward(ctx, { ...shape, ...operands, ...bias, c, g });
    }
    const u = tensor(batch * m * n, 'u');
    const dG = () => tensor(batch * m * n, 'dG');
    return prepareMatmulGeluBackward(ctx, { ...shape, ...operands, c, u, dG });
  },
};
