/**
 * Typed wrapper of kernels/cross_entropy.wgsl: softmax cross-entropy with the µP logit multiplier,
 * fused forward + backward, then the mean loss of each stacked run.
 *
 * Variants (same contract and bindings, see the kernel's header):
 * - 'workgroup'  one workgroup per row (64 to 256 threads by vocab) and one of 256 per run for
 *                the mean loss, fixed-order trees in workgroup memory (barriers).
 * - 'row'        barrier-free: one thread per row (workgroups of 64 rows), max, pairwise sum of
 *                exponentials and gradient in three loops; one thread per run for the mean loss.
 * - 'subgroup'   one workgroup per row of the adapter's smallest subgroup size (one subgroup):
 *                max, sum of exponentials and target logit by subgroup operations
 *                (kernels/cross_entropy_subgroup.wgsl); the mean loss as 'row'. Only where the
 *                device has subgroups (src/ops/subgroups.ts); offered to the tuner, never chosen
 *                by the thresholds (on SwiftShader no faster than 'row', bench/RESULTS.md; on
 *                GPUs unmeasured).
 * Choice (chooseCrossEntropyVariant): 'row' on CPU fallback adapters (SwiftShader, where each
 * barrier suspends every subgroup of the workgroup) and for vocabularies of at most
 * CROSS_ENTROPY_ROW_MAX_VOCAB; 'workgroup' for larger vocabularies on GPUs.
 */
import crossEntropyWgsl from '../../kernels/cross_entropy.wgsl?raw';
import crossEntropySubgroupWgsl from '../../kernels/cross_entropy_subgroup.wgsl?raw';
import {
  bindingOf,
  createTensor,
  dispatchOp,
  workgroupCount,
  type AdapterSummary,
  type VariantTable,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
  createUniformBlock,
} from '../gpu';
import { chooseVariant, type VariantRegistry } from './variants';
import { checkDims, flatGrid, needTensor } from './shapes';
import { SUBGROUP_RULE, subgroupLanes, variantOn } from './subgroups';

export const CROSS_ENTROPY_KERNEL = { name: 'cross_entropy', code: crossEntropyWgsl };
export const CROSS_ENTROPY_SUBGROUP_KERNEL = {
  name: 'cross_entropy_subgroup',
  code: crossEntropySubgroupWgsl,
};

export const CROSS_ENTROPY_VARIANTS = ['workgroup', 'row', 'subgroup'] as const;
export type CrossEntropyVariant = (typeof CROSS_ENTROPY_VARIANTS)[number];

/** Rows (threads) per workgroup of the 'row' variant. */
export const CROSS_ENTROPY_ROW_WORKGROUP = 64;

/**
 * Largest vocabulary for which a GPU also gets the 'row' variant. A guess, not yet measured on a
 * GPU: at 64 the 64-thread workgroup per row holds one logit per thread and pays ~20 barriers.
 */
export const CROSS_ENTROPY_ROW_MAX_VOCAB = 64;

/** A cross-entropy problem: rows are timed by the tuner but do not split the shape class. */
export interface CrossEntropyProblem {
  vocab: number;
  rows?: number;
}

export const CROSS_ENTROPY_VARIANT_REGISTRY: VariantRegistry<
  CrossEntropyVariant,
  CrossEntropyProblem
> = {
  kernel: 'cross_entropy',
  variants: { workgroup: {}, row: {}, subgroup: SUBGROUP_RULE },
  shapeClass: (p) => `v${p.vocab}`,
  threshold: (adapter, p) =>
    adapter.isFallback || p.vocab <= CROSS_ENTROPY_ROW_MAX_VOCAB ? 'row' : 'workgroup',
};

/** The variant `tuned` (the context's table) names for this vocabulary, else the thresholds'. */
export function chooseCrossEntropyVariant(
  adapter: AdapterSummary,
  vocab: number,
  tuned?: VariantTable,
): CrossEntropyVariant {
  return chooseVariant(CROSS_ENTROPY_VARIANT_REGISTRY, adapter, { vocab }, tuned);
}

export interface CrossEntropyArgs {
  /** [rows, vocab] f32 logits before the multiplier. */
  logits: GpuTensor;
  /** [rows] u32 target token ids, each < vocab (an invalid one gives a NaN loss and gradient). */
  targets: GpuTensor;
  rows: number;
  vocab: number;
  /** [rows, vocab] f32 gradient output. Absent and not inPlace: forward only. */
  dLogits?: GpuTensor;
  /** Overwrite `logits` with the gradient (saves a [rows, vocab] buffer). */
  inPlace?: boolean;
  /** [rows] per-row losses; allocated from the pool when absent. */
  rowLoss?: GpuTensor;
  /** [runs] mean loss per run; allocated from the pool when absent. */
  loss?: GpuTensor;
  /** Stacked runs: rows / runs consecutive rows each, each run's mean taken on its own. Default 1. */
  runs?: number;
  /** µP output multiplier α_out / m applied to the logits. Default 1. */
  logitScale?: number;
  /** Multiplies the gradient (e.g. loss scaling). Default 1. */
  gradScale?: number;
  label?: string;
  /** Force a kernel variant (tests, benchmarks); default: chooseCrossEntropyVariant. */
  variant?: CrossEntropyVariant;
}

export interface CrossEntropyOp extends PreparedOp {
  readonly rowLoss: GpuTensor;
  readonly loss: GpuTensor;
  /** Where the gradient goes (dLogits, or logits when inPlace); undefined when forward only. */
  readonly dLogits: GpuTensor | undefined;
  /** Changes the multipliers for later submissions (queue.writeBuffer, no allocation). */
  setScales(scales: { logitScale?: number; gradScale?: number }): void;
}

/** Threads per row: enough to cover short rows without idle lanes, at most 256. */
function workgroupSizeFor(vocab: number): number {
  return vocab >= 2048 ? 256 : vocab >= 512 ? 128 : 64;
}

export async function prepareCrossEntropy(
  ctx: GpuContext,
  args: CrossEntropyArgs,
): Promise<CrossEntropyOp> {
  const { rows, vocab } = args;
  const runs = args.runs ?? 1;
  const label = args.label ?? `cross_entropy ${rows}x${vocab}`;
  checkDims(label, { rows, vocab, runs });
  if (rows % runs !== 0) throw new Error(`${label}: ${rows} rows do not split into ${runs} runs`);
  if (rows * vocab > 0xffffffff) throw new Error(`${label}: rows x vocab exceeds u32 indexing`);
  if (args.inPlace && args.dLogits) {
    throw new Error(`${label}: give dLogits or inPlace, not both`);
  }
  needTensor(label, 'logits', args.logits, rows * vocab);
  needTensor(label, 'targets', args.targets, rows, 'u32');
  if (args.dLogits) needTensor(label, 'dLogits', args.dLogits, rows * vocab);
  if (args.rowLoss) needTensor(label, 'rowLoss', args.rowLoss, rows);
  if (args.loss) needTensor(label, 'loss', args.loss, runs);
  if (args.dLogits && args.dLogits.buffer === args.logits.buffer) {
    throw new Error(`${label}: dLogits shares the logits buffer: use inPlace`);
  }

  const variant = crossEntropyVariantOn(ctx, vocab, rows, args.variant, label);
  const row = variant === 'row';
  const lanes = subgroupLanes(ctx.features);

  const entry = args.inPlace
    ? 'forward_backward_in_place'
    : args.dLogits
      ? 'forward_backward'
      : 'forward';
  const [rowPipeline, meanPipeline] = await Promise.all(
    variant === 'subgroup'
      ? [
          ctx.pipelines.get(CROSS_ENTROPY_SUBGROUP_KERNEL, entry, { LANES: lanes }),
          ctx.pipelines.get(CROSS_ENTROPY_KERNEL, 'mean_loss_row', {
            ROW_WG: CROSS_ENTROPY_ROW_WORKGROUP,
          }),
        ]
      : row
        ? [
            ctx.pipelines.get(CROSS_ENTROPY_KERNEL, `${entry}_row`, {
              ROW_WG: CROSS_ENTROPY_ROW_WORKGROUP,
            }),
            ctx.pipelines.get(CROSS_ENTROPY_KERNEL, 'mean_loss_row', {
              ROW_WG: CROSS_ENTROPY_ROW_WORKGROUP,
            }),
          ]
        : [
            ctx.pipelines.get(CROSS_ENTROPY_KERNEL, entry, { LANES: workgroupSizeFor(vocab) }),
            ctx.pipelines.get(CROSS_ENTROPY_KERNEL, 'mean_loss', { LANES: 256 }),
          ],
  );
  const ownRowLoss = args.rowLoss ? undefined : createTensor(ctx, [rows], 'f32', `${label}:rows`);
  const ownLoss = args.loss ? undefined : createTensor(ctx, [runs], 'f32', `${label}:loss`);
  const rowLoss = args.rowLoss ?? (ownRowLoss as GpuTensor);
  const loss = args.loss ?? (ownLoss as GpuTensor);
  const dLogits = args.inPlace ? args.logits : args.dLogits;

  const grid = flatGrid(ctx, Math.ceil(rows / (row ? CROSS_ENTROPY_ROW_WORKGROUP : 1)), label);
  // 'row' and 'subgroup' take the mean with mean_loss_row (one thread per run).
  const runsPerGroup = variant === 'workgroup' ? 1 : CROSS_ENTROPY_ROW_WORKGROUP;
  const runGroups = workgroupCount(ctx, runs, runsPerGroup, label);
  const rowsPerRun = rows / runs;
  // One buffer for both dispatches: both kernels use one Params (kernels/shared/cross_entropy_rows.wgsl).
  const uniforms = createUniformBlock(ctx, CROSS_ENTROPY_KERNEL, label);
  let logitScale = args.logitScale ?? 1;
  let gradScale = args.gradScale ?? 1;
  const setScales = (s: { logitScale?: number; gradScale?: number }) => {
    for (const [name, x] of Object.entries(s)) {
      if (!Number.isFinite(x)) throw new Error(`${label}: ${name} must be finite, got ${x}`);
    }
    logitScale = s.logitScale ?? logitScale;
    gradScale = s.gradScale ?? gradScale;
    uniforms.write({
      rows,
      vocab,
      rowsPerRun,
      runs,
      logitScale,
      // Rounded once from float64, not three times on the GPU.
      gradCoef: (logitScale * gradScale) / rowsPerRun,
      invRowsPerRun: 1 / rowsPerRun,
    });
  };
  setScales({ logitScale, gradScale });

  const rowEntries: GPUBindGroupEntry[] = [
    { binding: 0, resource: { buffer: uniforms.buffer } },
    { binding: 1, resource: bindingOf(args.logits) },
    { binding: 2, resource: bindingOf(args.targets) },
    { binding: 4, resource: bindingOf(rowLoss) },
  ];
  if (entry === 'forward_backward' && args.dLogits) {
    rowEntries.push({ binding: 3, resource: bindingOf(args.dLogits) });
  }
  const owned = [uniforms.buffer];
  if (ownRowLoss) owned.push(ownRowLoss.buffer);
  if (ownLoss) owned.push(ownLoss.buffer);
  const op = dispatchOp(ctx, {
    label: `${label} [${variant}]`,
    dispatches: [
      {
        label: `${label}:${entry} [${variant}]`,
        pipeline: rowPipeline,
        entries: rowEntries,
        groups: grid,
      },
      {
        label: `${label}:mean_loss [${variant}]`,
        pipeline: meanPipeline,
        entries: [
          { binding: 0, resource: { buffer: uniforms.buffer } },
          { binding: 4, resource: bindingOf(rowLoss) },
          { binding: 5, resource: bindingOf(loss) },
        ],
        groups: [runGroups, 1, 1],
      },
    ],
    owned,
  });
  return { ...op, rowLoss, loss, dLogits, setScales };
}

/**
 * The variant an op on `ctx` runs: `forced`, else the chooser's; a choice of 'subgroup' (tuned on
 * a device of this adapter that had subgroups) falls back to the thresholds' on a device without
 * them, where forcing it is an error.
 */
export function crossEntropyVariantOn(
  ctx: GpuContext,
  vocab: number,
  rows: number,
  forced?: CrossEntropyVariant,
  label = `cross_entropy ${rows}x${vocab}`,
): CrossEntropyVariant {
  const problem = { vocab, rows };
  const withoutSubgroups = CROSS_ENTROPY_VARIANT_REGISTRY.threshold(ctx.adapter, problem);
  return variantOn(ctx, CROSS_ENTROPY_VARIANT_REGISTRY, problem, forced, withoutSubgroups, label);
}
