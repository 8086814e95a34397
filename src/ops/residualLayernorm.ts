/**
 * The residual add and the layernorm that reads its result, as one tunable op:
 * x = a + scale · b (written: the backward and the next residual read it), then
 * y = LN(x) with its row means and reciprocal standard deviations, over stacked runs.
 *
 * Variants:
 * - 'fused'     one dispatch: the layernorm's `forward_residual*` entry point of the layernorm
 *               variant chosen for the width (src/ops/layernorm.ts), which computes x, writes
 *               it and normalises it; it reads a and b once and x back only from its own writes.
 * - 'separate'  the residual op (kernels/residual.wgsl) then the layernorm op: two dispatches,
 *               x written by one and read again by the other.
 * Both compute x = a + scale · b and LN(x) with the same per-element expressions; the layernorm's
 * sums are those of its variant either way.
 * Thresholds: 'fused' on every adapter (one dispatch and one pass over x fewer; not yet measured
 * against 'separate' on a GPU: the tuner times both).
 */
import type { AdapterSummary, GpuContext, GpuTensor, PreparedOp, VariantTable } from '../gpu';
import {
  prepareLayerNormForward,
  type LayerNormForwardArgs,
  type LayerNormVariant,
} from './layernorm';
import { prepareResidualAdd } from './residual';
import { subgroupLanes } from './subgroups';
import { chooseVariant, type VariantRegistry } from './variants';

export const RESIDUAL_LAYERNORM_VARIANTS = ['fused', 'separate'] as const;
export type ResidualLayerNormVariant = (typeof RESIDUAL_LAYERNORM_VARIANTS)[number];

/** As LayerNormProblem: the width is the shape class; rows and subgroups are for timing. */
export interface ResidualLayerNormProblem {
  width: number;
  rows?: number;
  subgroups?: boolean;
}

export const RESIDUAL_LAYERNORM_VARIANT_REGISTRY: VariantRegistry<
  ResidualLayerNormVariant,
  ResidualLayerNormProblem
> = {
  kernel: 'residual_layernorm',
  variants: { fused: {}, separate: {} },
  shapeClass: (p) => `w${p.width}`,
  threshold: () => 'fused',
};

/** The variant `tuned` names for this width, else the thresholds' ('fused'). */
export function chooseResidualLayerNormVariant(
  adapter: AdapterSummary,
  problem: ResidualLayerNormProblem,
  tuned?: VariantTable,
): ResidualLayerNormVariant {
  return chooseVariant(RESIDUAL_LAYERNORM_VARIANT_REGISTRY, adapter, problem, tuned);
}

/** As prepareLayerNormForward's arguments, x written: x = a + scale · b, then LN(x). */
export interface ResidualLayerNormArgs extends Omit<LayerNormForwardArgs, 'residual' | 'variant'> {
  /** [rows, width] each; different buffers from x. */
  a: GpuTensor;
  b: GpuTensor;
  scale?: number;
  /** Force a variant (tests, the tuner); default: chooseResidualLayerNormVariant. */
  variant?: ResidualLayerNormVariant;
  /** Force the layernorm's variant; default: the layernorm chooser's. */
  layerNormVariant?: LayerNormVariant;
}

export async function prepareResidualLayerNorm(
  ctx: GpuContext,
  args: ResidualLayerNormArgs,
): Promise<PreparedOp> {
  const { a, b, scale, x, layerNormVariant, ...ln } = args;
  const label = args.label ?? `residual layernorm ${args.rows}x${args.width}`;
  const problem = {
    width: args.width,
    rows: args.rows,
    subgroups: subgroupLanes(ctx.features) > 0,
  };
  const variant = args.variant ?? chooseResidualLayerNormVariant(ctx.adapter, problem, ctx.tuned);
  if (!Object.hasOwn(RESIDUAL_LAYERNORM_VARIANT_REGISTRY.variants, variant)) {
    throw new Error(`residual_layernorm: unknown variant ${variant}`);
  }
  const lnArgs = { ...ln, x, variant: layerNormVariant, label: `${label} [${variant}]` };
  if (variant === 'fused') {
    return prepareLayerNormForward(ctx, { ...lnArgs, residual: { a, b, scale } });
  }
  const add = await prepareResidualAdd(ctx, { a, b, out: x, scale, label: `${label}:add` });
  try {
    return sequenceOps(lnArgs.label, [add, await prepareLayerNormForward(ctx, lnArgs)]);
  } catch (e) {
    add.release();
    throw e;
  }
}

/** Prepared ops encoded in order as one op. */
function sequenceOps(label: string, ops: readonly PreparedOp[]): PreparedOp {
  return {
    label,
    encode(pass) {
      for (const op of ops) op.encode(pass);
    },
    release() {
      for (const op of ops) op.release();
    },
  };
}
