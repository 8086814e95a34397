/**
 * Typed wrapper of kernels/sgd.wgsl: one step of SGD with momentum over all parameters (one flat
 * buffer) in one dispatch, preceded in the same pass by reduce.wgsl over the gradients, which
 * gives each group (run) its gradient norm for clipping and its non-finite flag, exactly as
 * prepareAdamW does. Nothing is read back to the CPU.
 *
 * Variants: those of the gradient-statistics reduction, chosen by AdamW's registry
 * (adamwVariantOn): the reduction is the same pass over the same gradients, and it is most of
 * either update's time, so one tuned choice serves both.
 */
import sgdWgsl from '../../kernels/sgd.wgsl?raw';
import type { GpuContext, GpuTensor, PreparedOp } from '../gpu';
import { adamwVariantOn, type AdamWVariant } from './adamw';
import type { GroupStatsOp } from './reduce';
import { checkClip, checkUpdateTable, prepareTableUpdate, updateTableBytes } from './updateTable';

export const SGD_KERNEL = { name: 'sgd', code: sgdWgsl };

/** One parameter tensor: its place in the flat buffers, its learning rate and weight decay. */
export interface SgdTensor {
  /** Element offset from the start of the params (grads, momentum buffer) tensor. */
  offset: number;
  length: number;
  /** Learning rate before the global lrScale. */
  lr: number;
  /** Decoupled weight decay: p -= lrScale lr weightDecay p each step. Default 0. */
  weightDecay?: number;
  /** Group (run) sharing the gradient norm and the non-finite flag. Default 0. */
  group?: number;
  name?: string;
}

export interface SgdArgs {
  params: GpuTensor;
  grads: GpuTensor;
  /** The momentum buffer, zero before the first step. */
  buf: GpuTensor;
  tensors: readonly SgdTensor[];
  /** Number of groups; default: the largest tensor group + 1. */
  groups?: number;
  /** Momentum μ in [0, 1): buf = μ buf + g. Default 0.9. */
  momentum?: number;
  /** Global gradient-norm clip per group; 0 (default) turns clipping off. */
  clip?: number;
  /** Global learning-rate multiplier (schedules). Default 1. */
  lrScale?: number;
  /** Elements per workgroup; a chunk never spans two tensors. Default 4096. */
  chunkSize?: number;
  label?: string;
  /** Force the gradient-statistics variant (tests); default: adamwVariantOn's choice. */
  variant?: AdamWVariant;
}

export interface SgdOp extends PreparedOp {
  /** The gradient statistics pass encoded before the update (norms, flags, flagged counts). */
  readonly gradStats: GroupStatsOp;
  /** gradStats.stats: per group sum of squares, max |g|, non-finite flag, skipped steps. */
  readonly stats: GpuTensor;
  readonly groups: number;
  /** Sets the global lr scale of the next submission (SGD has no step-dependent terms). */
  setLrScale(lrScale: number): void;
  setClip(clip: number): void;
}

export async function prepareSgd(ctx: GpuContext, args: SgdArgs): Promise<SgdOp> {
  const label = args.label ?? `sgd ${args.tensors.length} tensors`;
  const { params, grads, buf, tensors } = args;
  const mu = args.momentum ?? 0.9;
  if (!(mu >= 0 && mu < 1)) throw new Error(`${label}: momentum must be in [0, 1), got ${mu}`);
  const momentum = Math.fround(mu);
  if (momentum >= 1) throw new Error(`${label}: momentum rounds to 1 in float32`);
  const end = checkUpdateTable(label, { params, grads, buf }, tensors, (t) => ({
    lr: t.lr,
    weightDecay: t.weightDecay ?? 0,
  }));

  const variant = adamwVariantOn(ctx, end, tensors.length, args.variant, label);
  const update = await prepareTableUpdate(ctx, {
    kernel: SGD_KERNEL,
    variant,
    grads,
    buffers: [params, grads, buf],
    tensors,
    table: updateTableBytes(tensors, (t) => [t.lr, t.weightDecay ?? 0]),
    groups: args.groups,
    chunkSize: args.chunkSize,
    label,
  });

  let lrScale = args.lrScale ?? 1;
  let clip = args.clip ?? 0;
  const writeUniforms = () =>
    update.uniforms.write({ momentum, lrScale, clip, numChunks: update.numChunks });
  const setLrScale = (scale: number) => {
    if (!(Number.isFinite(scale) && scale >= 0)) {
      throw new Error(`${label}: lrScale must be finite and >= 0, got ${scale}`);
    }
    lrScale = scale;
    writeUniforms();
  };
  const setClip = (c: number) => {
    clip = checkClip(c, label);
    writeUniforms();
  };
  setClip(clip);
  setLrScale(lrScale);
  const { gradStats, encode, release } = update;
  const { stats, groups } = gradStats;
  return { label: update.label, gradStats, stats, groups, setLrScale, setClip, encode, release };
}
