/**
 * Typed wrapper of kernels/adamw.wgsl: one AdamW step over all parameters (one flat buffer) in one
 * dispatch, preceded in the same pass by reduce.wgsl over the gradients, which gives each group
 * (run) its gradient norm for clipping and its non-finite flag. Nothing is read back to the CPU.
 *
 * Variants: those of the gradient-statistics reduction (src/ops/reduce.ts), which is most of the
 * step's time on a CPU adapter (its barriers): 'workgroup' (trees in workgroup memory) and
 * 'subgroup' (subgroupAdd, no barrier; only where the device has subgroups). Choice
 * (ADAMW_VARIANT_REGISTRY): 'subgroup' on CPU fallback adapters (SwiftShader: the step 3-5x
 * faster, bench/RESULTS.md), 'workgroup' on GPUs until measured there (the tuner may pick either).
 */
import adamwWgsl from '../../kernels/adamw.wgsl?raw';
import type { GpuContext, GpuTensor, PreparedOp } from '../gpu';
import type { AdamWTensorRef } from '../reference/adamw';
import { GROUP_STATS_VARIANTS, type GroupStatsOp, type GroupStatsVariant } from './reduce';
import { checkClip, checkUpdateTable, prepareTableUpdate, updateTableBytes } from './updateTable';
import { SUBGROUP_RULE, variantOn } from './subgroups';
import type { VariantRegistry } from './variants';

export const ADAMW_KERNEL = { name: 'adamw', code: adamwWgsl };

export const ADAMW_VARIANTS = GROUP_STATS_VARIANTS;
export type AdamWVariant = GroupStatsVariant;

/** An AdamW problem: the parameters updated (the reduction's length) and in how many tensors. */
export interface AdamWProblem {
  params: number;
  tensors?: number;
}

export const ADAMW_VARIANT_REGISTRY: VariantRegistry<AdamWVariant, AdamWProblem> = {
  kernel: 'adamw',
  variants: { workgroup: {}, subgroup: SUBGROUP_RULE },
  // Sizes within a factor of two share a choice.
  shapeClass: (p) => `p${2 ** Math.ceil(Math.log2(Math.max(1, p.params)))}`,
  threshold: (adapter) => (adapter.isFallback ? 'subgroup' : 'workgroup'),
};

/** A tensor of the kernel's table: the reference's fields (src/reference/adamw.ts), and its own. */
export interface AdamWTensor extends AdamWTensorRef {
  /**
   * Counted in its group's gradient norm and non-finite flag but not updated (another optimizer
   * updates it: Muon's hidden matrices). Default false.
   */
  statsOnly?: boolean;
  name?: string;
}

export interface AdamWArgs {
  params: GpuTensor;
  grads: GpuTensor;
  /** First and second moments, zero before the first step. */
  m: GpuTensor;
  v: GpuTensor;
  tensors: readonly AdamWTensor[];
  /** Number of groups; default: the largest tensor group + 1. */
  groups?: number;
  beta1?: number;
  beta2?: number;
  /** Global gradient-norm clip per group; 0 (default) turns clipping off. */
  clip?: number;
  /** Step number t >= 1 of the first update encoded (see setStep). Default 1. */
  step?: number;
  /** Global learning-rate multiplier (schedules). Default 1. */
  lrScale?: number;
  /** Elements per workgroup; a chunk never spans two tensors. Default 4096. */
  chunkSize?: number;
  label?: string;
  /** Force a variant (tests, benchmarks); default: ADAMW_VARIANT_REGISTRY's choice. */
  variant?: AdamWVariant;
}

export interface AdamWOp extends PreparedOp {
  /** The gradient statistics pass encoded before the update (norms, flags, flagged counts). */
  readonly gradStats: GroupStatsOp;
  /**
   * gradStats.stats: [groups x 4] u32, per group the gradients' sum of squares (f32 bits), max |g|
   * (f32 bits), the non-finite flag of the last step (1: that group's update was skipped) and the
   * number of skipped steps. Read it back now and then (readGroupStats) to detect divergence.
   */
  readonly stats: GpuTensor;
  readonly groups: number;
  /**
   * Sets the step number t (bias corrections 1 - beta^t, computed in float64) and optionally the
   * global lr scale, for the next submission that encodes this op. queue.writeBuffer from a
   * buffer kept by the op: no allocation. t is shared by all groups: a group whose update was
   * skipped still counts the step in its bias corrections.
   */
  setStep(step: number, lrScale?: number): void;
  setClip(clip: number): void;
}

export async function prepareAdamW(ctx: GpuContext, args: AdamWArgs): Promise<AdamWOp> {
  const label = args.label ?? `adamw ${args.tensors.length} tensors`;
  const { params, grads, m, v, tensors } = args;
  for (const [name, b] of Object.entries({ beta1: args.beta1, beta2: args.beta2 })) {
    if (b !== undefined && !(b >= 0 && b < 1)) {
      throw new Error(`${label}: ${name} must be in [0, 1), got ${b}`);
    }
  }
  // The kernel sees float32 betas: the bias corrections are computed from the same values.
  const beta1 = Math.fround(args.beta1 ?? 0.9);
  const beta2 = Math.fround(args.beta2 ?? 0.999);
  if (beta1 >= 1 || beta2 >= 1) throw new Error(`${label}: a beta rounds to 1 in float32`);
  const end = checkUpdateTable(label, { params, grads, m, v }, tensors, (t) => ({
    lr: t.lr,
    weightDecay: t.weightDecay ?? 0,
    eps: t.eps ?? 1e-8,
  }));

  const variant = adamwVariantOn(ctx, end, tensors.length, args.variant, label);
  const update = await prepareTableUpdate(ctx, {
    kernel: ADAMW_KERNEL,
    variant,
    grads,
    buffers: [params, grads, m, v],
    tensors,
    table: updateTableBytes(
      tensors,
      (t) => [t.lr, t.weightDecay ?? 0, t.eps ?? 1e-8],
      (t) => (t.statsOnly ? 1 : 0),
    ),
    groups: args.groups,
    chunkSize: args.chunkSize,
    label,
  });

  let step = 1;
  let lrScale = args.lrScale ?? 1;
  let clip = args.clip ?? 0;
  const writeUniforms = () =>
    update.uniforms.write({
      beta1,
      beta2,
      lrScale,
      clip,
      invBc1: 1 / (1 - beta1 ** step),
      invSqrtBc2: 1 / Math.sqrt(1 - beta2 ** step),
      numChunks: update.numChunks,
    });
  const setStep = (t: number, scale?: number) => {
    if (!Number.isInteger(t) || t < 1) throw new Error(`${label}: step must be >= 1, got ${t}`);
    if (scale !== undefined && !(Number.isFinite(scale) && scale >= 0)) {
      throw new Error(`${label}: lrScale must be finite and >= 0, got ${scale}`);
    }
    step = t;
    if (scale !== undefined) lrScale = scale;
    writeUniforms();
  };
  const setClip = (c: number) => {
    clip = checkClip(c, label);
    writeUniforms();
  };
  setClip(clip);
  setStep(args.step ?? 1, lrScale);
  const { gradStats, encode, release } = update;
  const { stats, groups } = gradStats;
  return { label: update.label, gradStats, stats, groups, setStep, setClip, encode, release };
}

/**
 * The variant an AdamW step over `params` elements runs on `ctx`: `forced`, else the chooser's;
 * a choice of 'subgroup' (tuned on a device of this adapter that had subgroups) falls back to
 * 'workgroup' on a device without them, where forcing it is an error.
 */
export function adamwVariantOn(
  ctx: GpuContext,
  params: number,
  tensors: number,
  forced?: AdamWVariant,
  label = `adamw ${tensors} tensors`,
): AdamWVariant {
  const problem = { params, tensors };
  return variantOn(ctx, ADAMW_VARIANT_REGISTRY, problem, forced, 'workgroup', label);
}
