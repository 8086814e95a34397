/**
 * The tuner's pieces for `residual_layernorm` (src/ops/residualLayernorm.ts): its problem as the
 * chooser reports it, and one timed run of a variant. Kept together so that they can move into
 * a per-kernel tuning entry as one unit.
 */
import type { GpuContext, GpuTensor, PreparedOp } from '../gpu';
import {
  prepareResidualLayerNorm,
  RESIDUAL_LAYERNORM_VARIANT_REGISTRY,
  type ResidualLayerNormProblem,
} from '../ops/residualLayernorm';
import { asVariant } from '../ops/variants';

/** A chooser's problem as a full tuning problem, or undefined without width and rows. */
export function completeResidualLayerNormProblem(
  p: Record<string, unknown>,
): Required<ResidualLayerNormProblem> | undefined {
  const { width, rows } = p;
  if (!Number.isInteger(width) || !Number.isInteger(rows)) return undefined;
  return { width: width as number, rows: rows as number, subgroups: p.subgroups === true };
}

/**
 * The op a training step runs, with `variantName` forced, on zero-filled tensors (timing does
 * not depend on the values): x = a + b, then its layernorm with a bias. The layernorm variant is
 * the chooser's, as in the model.
 */
export async function prepareResidualLayerNormTiming(
  ctx: GpuContext,
  problem: Required<ResidualLayerNormProblem>,
  variantName: string,
  tensor: (n: number, label: string) => GpuTensor,
): Promise<PreparedOp> {
  const { rows, width } = problem;
  const n = rows * width;
  return prepareResidualLayerNorm(ctx, {
    a: tensor(n, 'a'),
    b: tensor(n, 'b'),
    x: tensor(n, 'x'),
    gain: tensor(width, 'gain'),
    bias: tensor(width, 'bias'),
    y: tensor(n, 'y'),
    mean: tensor(rows, 'mean'),
    rstd: tensor(rows, 'rstd'),
    rows,
    width,
    variant: asVariant(RESIDUAL_LAYERNORM_VARIANT_REGISTRY, variantName),
  });
}
