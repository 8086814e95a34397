/**
 * The MLP's GELU next to its matmuls, as the tuner chooses: fused into the matmul's epilogue
 * (kernels/shared/matmul_io.wgsl) or as a separate elementwise pass (kernels/gelu.wgsl).
 *
 * - forward:  u = x W (+ b) and g = gelu(u). 'fused': one matmul writes both (u is kept, the
 *             backward needs it); 'separate': the matmul writes u, then a GELU pass writes g.
 * - backward: dU = (alpha dG_out W^T) · gelu'(u), the dX matmul of the MLP's second matmul.
 *             'fused': the matmul multiplies by gelu'(u) in its epilogue; 'separate': the matmul
 *             writes dG, then a GELU-backward pass writes dU.
 * Every matmul variant takes the epilogue (they share store4), so 'fused' applies everywhere.
 * Thresholds: 'fused' (one dispatch and one pass over [rows, hidden] fewer each way), unless the
 * tuner measures 'separate' faster for the shape on this adapter.
 */
import type { AdapterSummary, GpuContext, GpuTensor, PreparedOp, VariantTable } from '../gpu';
import { prepareGeluBackward, prepareGeluForward } from './gelu';
import {
  MATMUL_VARIANT_REGISTRY,
  prepareMatmul,
  type MatmulArgs,
  type MatmulProblem,
} from './matmul';
import { chooseVariant, type VariantRegistry } from './variants';

export const MATMUL_GELU_VARIANTS = ['fused', 'separate'] as const;
export type MatmulGeluVariant = (typeof MATMUL_GELU_VARIANTS)[number];

export type MatmulGeluDirection = 'forward' | 'backward';

/** The matmul's shape facts, and which side of the GELU. */
export interface MatmulGeluProblem extends MatmulProblem {
  direction: MatmulGeluDirection;
}

export const MATMUL_GELU_VARIANT_REGISTRY: VariantRegistry<MatmulGeluVariant, MatmulGeluProblem> = {
  kernel: 'matmul_gelu',
  variants: { fused: {}, separate: {} },
  shapeClass: (s) => `${s.direction} ${MATMUL_VARIANT_REGISTRY.shapeClass(s)}`,
  threshold: () => 'fused',
};

/** The variant the context's tuned table names for this shape class, else the thresholds'. */
export function chooseMatmulGeluVariant(
  adapter: AdapterSummary,
  s: MatmulGeluProblem,
  tuned?: VariantTable,
): MatmulGeluVariant {
  return chooseVariant(MATMUL_GELU_VARIANT_REGISTRY, adapter, s, tuned);
}

/** The matmul's arguments without the epilogue's, which these ops set. */
type PlainMatmulArgs = Omit<MatmulArgs, 'geluOut' | 'geluIn'>;

export interface MatmulGeluForwardArgs extends PlainMatmulArgs {
  /** gelu(C), laid out as C (C keeps u). */
  g: GpuTensor;
  /** Force 'fused' or 'separate' (tests, the tuner); default: the chooser's. */
  epilogue?: MatmulGeluVariant;
}

export interface MatmulGeluBackwardArgs extends PlainMatmulArgs {
  /** The GELU's input u, laid out as C. */
  u: GpuTensor;
  /**
   * Scratch laid out as C for the matmul's output before the GELU factor, asked for only by
   * 'separate' (so that 'fused', the default, allocates none).
   */
  dG: () => GpuTensor;
  epilogue?: MatmulGeluVariant;
}

function problemOf(ctx: GpuContext, args: PlainMatmulArgs, direction: MatmulGeluDirection) {
  return {
    m: args.m,
    k: args.k,
    n: args.n,
    batch: args.batch ?? 1,
    transA: args.transA ?? false,
    transB: args.transB ?? false,
    subgroups: ctx.features.subgroups,
    direction,
  };
}

/**
 * Elements of C over all batches: what the separate GELU pass covers. C must be dense (no gaps
 * between batches), so that the pass touches nothing but C, and not accumulated into (beta 0:
 * the separate backward's matmul writes dG, not C).
 */
function lengthOfC(args: PlainMatmulArgs, label: string): number {
  const batch = args.batch ?? 1;
  if ((args.strideC ?? args.m * args.n) !== args.m * args.n) {
    throw new Error(`${label}: strideC must be m·n (batches of C packed)`);
  }
  if ((args.beta ?? 0) !== 0) throw new Error(`${label}: beta must be 0`);
  return batch * args.m * args.n;
}

/** C = u = alpha op(A) op(B) + bias and g = gelu(u). */
export async function prepareMatmulGeluForward(
  ctx: GpuContext,
  args: MatmulGeluForwardArgs,
): Promise<PreparedOp[]> {
  const { g, epilogue, ...matmul } = args;
  const label = `${matmul.label ?? 'matmul'} gelu`;
  const n = lengthOfC(matmul, label);
  const variant =
    epilogue ?? chooseMatmulGeluVariant(ctx.adapter, problemOf(ctx, matmul, 'forward'), ctx.tuned);
  if (variant === 'fused') return [await prepareMatmul(ctx, { ...matmul, geluOut: g })];
  const mm = await prepareMatmul(ctx, matmul);
  try {
    return [mm, await prepareGeluForward(ctx, { x: matmul.c, y: g, n, label })];
  } catch (e) {
    mm.release();
    throw e;
  }
}

/** C = (alpha op(A) op(B) + bias) · gelu'(u). 'separate' writes the first factor to dG. */
export async function prepareMatmulGeluBackward(
  ctx: GpuContext,
  args: MatmulGeluBackwardArgs,
): Promise<PreparedOp[]> {
  const { u, dG, epilogue, ...matmul } = args;
  const label = `${matmul.label ?? 'matmul'} gelu backward`;
  const n = lengthOfC(matmul, label);
  const variant =
    epilogue ?? chooseMatmulGeluVariant(ctx.adapter, problemOf(ctx, matmul, 'backward'), ctx.tuned);
  if (variant === 'fused') return [await prepareMatmul(ctx, { ...matmul, geluIn: u })];
  const scratch = dG();
  const mm = await prepareMatmul(ctx, { ...matmul, c: scratch });
  try {
    return [mm, await prepareGeluBackward(ctx, { x: u, dy: scratch, dx: matmul.c, n, label })];
  } catch (e) {
    mm.release();
    throw e;
  }
}
