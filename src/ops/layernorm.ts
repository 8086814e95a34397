/**
 * Typed wrapper of kernels/layernorm.wgsl: shape checks, variant choice, dispatch sizes, bindings.
 *
 * Variants (same contract and bindings, see the kernel's header):
 * - 'workgroup'  one workgroup of 256 threads per row, tree reductions in workgroup memory
 *                (barriers); dgain/dbias by 32 x 8 workgroups per block of rows.
 * - 'row'        barrier-free: one thread per row (workgroups of 64 rows), pairwise sums in the
 *                thread; dgain/dbias by one thread per (column, block of rows). No workgroup
 *                memory.
 * - 'subgroup'   one workgroup per row of the adapter's smallest subgroup size (one subgroup),
 *                row sums by subgroupAdd (kernels/layernorm_subgroup.wgsl); dgain/dbias as 'row'.
 *                Only where the device has subgroups (src/ops/subgroups.ts); offered to the tuner,
 *                never chosen by the thresholds (on SwiftShader within noise of 'row', see
 *                bench/RESULTS.md; on GPUs unmeasured).
 * Choice (chooseLayerNormVariant): 'row' on CPU fallback adapters (SwiftShader, where each
 * barrier suspends every 4-lane subgroup of the workgroup: 256 rows x 64 measured ~250 ms
 * forward with 'workgroup') and for rows of at most LAYERNORM_ROW_MAX_WIDTH elements, where
 * 'workgroup' leaves most of its 256 threads idle; 'workgroup' for wide rows on GPUs.
 *
 * Stacked runs (`runs`, `paramStride`): one op normalises the rows of all runs, each run's rows
 * with its own gain and bias, and sums each run's dgain/dbias at its stride. Row blocks of the
 * column sums never cross a run, so every run's results are bit for bit those of an op of its
 * own (src/ops/layernorm.test.ts holds that): this replaced the model's one op per run outright.
 *
 * Fused residual (`residual` of the forward): x = a + s b is computed, written to `x` and
 * normalised in the same dispatch, every variant (the same kernels compiled with another input
 * snippet, withResidualInput) (src/ops/residualLayernorm.ts makes it a tuned
 * choice against a residual op followed by this one).
 */
import layernormWgsl from '../../kernels/layernorm.wgsl?raw';
import layernormSubgroupWgsl from '../../kernels/layernorm_subgroup.wgsl?raw';
import {
  dispatchOp,
  bindingOf,
  createTensor,
  createUniform,
  workgroupCount,
  type AdapterSummary,
  type VariantTable,
  type GpuContext,
  type GpuTensor,
  type KernelSource,
  type PreparedOp,
  prepareKernelDispatch,
  tensorEntries,
} from '../gpu';
import { chooseVariant, type VariantRegistry } from './variants';
import { checkDims, checkNoAliasing, flatGrid, needTensor } from './shapes';
import { SUBGROUP_RULE, subgroupLanes, variantOn } from './subgroups';

export const LAYERNORM_KERNEL = { name: 'layernorm', code: layernormWgsl };
export const LAYERNORM_SUBGROUP_KERNEL = {
  name: 'layernorm_subgroup',
  code: layernormSubgroupWgsl,
};

/**
 * A layernorm module reading x = a + s·b (computed in a row's first pass, written) in place of
 * x: the same file with kernels/shared/layernorm_input.wgsl swapped for
 * layernorm_residual_input.wgsl (the fused residual's forward entry points).
 */
function withResidualInput(kernel: KernelSource): KernelSource {
  const use = '// @use layernorm_input';
  if (!kernel.code.includes(use)) throw new Error(`${kernel.name}: no line "${use}"`);
  return {
    name: `${kernel.name}_residual`,
    code: kernel.code.replace(use, '// @use layernorm_residual_input'),
  };
}

const LAYERNORM_RESIDUAL_KERNEL = withResidualInput(LAYERNORM_KERNEL);
const LAYERNORM_SUBGROUP_RESIDUAL_KERNEL = withResidualInput(LAYERNORM_SUBGROUP_KERNEL);

/** Rows that one workgroup of the dgain/dbias pass sums before the final per-column pass. */
export const LAYERNORM_ROWS_PER_BLOCK = 128;

export const LAYERNORM_DEFAULT_EPS = 1e-5;

export const LAYERNORM_VARIANTS = ['workgroup', 'row', 'subgroup'] as const;
export type LayerNormVariant = (typeof LAYERNORM_VARIANTS)[number];

/** Rows (threads) per workgroup of the 'row' variant. */
export const LAYERNORM_ROW_WORKGROUP = 64;

/**
 * Widest row for which a GPU also gets the 'row' variant. A guess, not yet measured on a GPU:
 * at 64 a 256-thread workgroup per row leaves 3/4 of its threads idle and still pays ~16
 * barriers per reduction, while one thread loops over 64 contiguous floats.
 */
export const LAYERNORM_ROW_MAX_WIDTH = 64;

/** A layernorm problem: rows are timed by the tuner but do not split the shape class. */
export interface LayerNormProblem {
  width: number;
  rows?: number;
  /**
   * Whether the subgroup variants can run on the device (a device fact, not part of the shape
   * class; the op wrappers pass subgroupLanes(ctx.features) > 0).
   */
  subgroups?: boolean;
}

/**
 * Thresholds: CPU fallback adapters -> subgroup where the device has subgroups, else row (both
 * barrier-free there; on SwiftShader, quiet machine, 1024 rows, forward + backward, one
 * interleaved run: subgroup 1.28x / 1.37x / 1.16x row at widths 64 / 128 / 256, and the tuner
 * chose it in 5 of 6 tunings). GPUs -> row up to LAYERNORM_ROW_MAX_WIDTH, else workgroup (not
 * measured on one yet).
 */
export const LAYERNORM_VARIANT_REGISTRY: VariantRegistry<LayerNormVariant, LayerNormProblem> = {
  kernel: 'layernorm',
  variants: { workgroup: {}, row: {}, subgroup: SUBGROUP_RULE },
  shapeClass: (p) => `w${p.width}`,
  threshold: (adapter, p) => {
    if (adapter.isFallback) return p.subgroups ? 'subgroup' : 'row';
    return p.width <= LAYERNORM_ROW_MAX_WIDTH ? 'row' : 'workgroup';
  },
};

/** The variant `tuned` (the context's table) names for this width, else the thresholds'. */
export function chooseLayerNormVariant(
  adapter: AdapterSummary,
  width: number,
  subgroups = false,
  tuned?: VariantTable,
): LayerNormVariant {
  return chooseVariant(LAYERNORM_VARIANT_REGISTRY, adapter, { width, subgroups }, tuned);
}

/** Rows of several runs stacked in one op, each run with its own gain and bias. */
export interface LayerNormStacking {
  /** Runs stacked along the rows (default 1): `rows` is all runs' rows, a multiple of runs. */
  runs?: number;
  /**
   * Elements from one run's gain (bias, dgain, dbias) to the next run's (default width): these
   * tensors hold (runs - 1) · paramStride + width elements.
   */
  paramStride?: number;
}

/** The residual add fused into the forward: x = a + scale · b, written, then normalised. */
export interface FusedResidual {
  a: GpuTensor;
  b: GpuTensor;
  /** Branch multiplier (depth-µP: L^-alpha). Default 1. */
  scale?: number;
}

export interface LayerNormForwardArgs extends LayerNormStacking {
  /**
   * Input [rows, width], row-major; with `residual`, an output: x = a + scale · b is written
   * there and normalised.
   */
  x: GpuTensor;
  residual?: FusedResidual;
  /** [width] per run; always present. */
  gain: GpuTensor;
  /** [width] per run; omit for a layernorm without bias (µP may disable biases). */
  bias?: GpuTensor;
  /** Output [rows, width]; a different buffer from every input. */
  y: GpuTensor;
  /** Saved per-row statistics [rows] for the backward. */
  mean: GpuTensor;
  rstd: GpuTensor;
  rows: number;
  width: number;
  eps?: number;
  label?: string;
  /** Force a kernel variant (tests, benchmarks); default: chooseLayerNormVariant. */
  variant?: LayerNormVariant;
}

export interface LayerNormBackwardArgs extends LayerNormStacking {
  /** The forward's input [rows, width], gain [width] and saved mean, rstd [rows]. */
  x: GpuTensor;
  gain: GpuTensor;
  mean: GpuTensor;
  rstd: GpuTensor;
  /** Gradient of the output [rows, width]. */
  dy: GpuTensor;
  /** Gradient of the input [rows, width]; a different buffer from x, gain, dy, mean, rstd. */
  dx: GpuTensor;
  /** [width] per run. */
  dgain: GpuTensor;
  /**
   * [width] per run; give it exactly when the forward had a bias. It may share a buffer with
   * dgain (views of one gradient buffer), also when the stacked runs' ranges interleave.
   */
  dbias?: GpuTensor;
  rows: number;
  width: number;
  /** dx = computed + dxBeta * dx (e.g. 1 to add into a residual stream's gradient). Default 0. */
  dxBeta?: number;
  /** dgain, dbias = computed + paramBeta * old (gradient accumulation). Default 0. */
  paramBeta?: number;
  label?: string;
  /** Force a kernel variant (tests, benchmarks); default: chooseLayerNormVariant. */
  variant?: LayerNormVariant;
}

export async function prepareLayerNormForward(
  ctx: GpuContext,
  args: LayerNormForwardArgs,
): Promise<PreparedOp> {
  const { rows, width } = args;
  const label = args.label ?? `layernorm forward ${rows}x${width}`;
  checkDims(label, { rows, width });
  const eps = args.eps ?? LAYERNORM_DEFAULT_EPS;
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new Error(`${label}: eps must be >= 0`);
  const stack = stackingOf(label, args, rows, width);
  const res = args.residual;
  const residualScale = res?.scale ?? 1;
  if (!Number.isFinite(residualScale)) {
    throw new Error(`${label}: residual scale must be finite, got ${residualScale}`);
  }
  needTensor(label, 'x', args.x, rows * width);
  if (res) {
    needTensor(label, 'residual a', res.a, rows * width);
    needTensor(label, 'residual b', res.b, rows * width);
  }
  needTensor(label, 'gain', args.gain, stack.paramLength);
  if (args.bias) needTensor(label, 'bias', args.bias, stack.paramLength);
  needTensor(label, 'y', args.y, rows * width);
  needTensor(label, 'mean', args.mean, rows);
  needTensor(label, 'rstd', args.rstd, rows);
  const inputs = { gain: args.gain, bias: args.bias };
  checkNoAliasing(
    label,
    { y: args.y, mean: args.mean, rstd: args.rstd, ...(res ? { x: args.x } : {}) },
    res ? { a: res.a, b: res.b, ...inputs } : { x: args.x, ...inputs },
  );

  const variant = pickVariant(ctx, args.variant, width, rows, label);
  const row = variant === 'row';
  const hasBias = args.bias !== undefined;
  const entries: GPUBindGroupEntry[] = [
    ...(res
      ? tensorEntries([
          [15, res.a],
          [16, res.b],
          [17, args.x],
        ])
      : tensorEntries([[1, args.x]])),
    { binding: 2, resource: bindingOf(args.gain) },
    // Without a bias the kernel never reads binding 3; any read-only buffer fits the layout.
    { binding: 3, resource: bindingOf(args.bias ?? args.gain) },
    { binding: 4, resource: bindingOf(args.y) },
    { binding: 5, resource: bindingOf(args.mean) },
    { binding: 6, resource: bindingOf(args.rstd) },
  ];
  return prepareKernelDispatch(ctx, {
    ...(variant === 'subgroup'
      ? {
          kernel: res ? LAYERNORM_SUBGROUP_RESIDUAL_KERNEL : LAYERNORM_SUBGROUP_KERNEL,
          entry: 'forward_subgroup',
          constants: { HAS_BIAS: hasBias, SG: subgroupLanes(ctx.features) },
        }
      : {
          kernel: res ? LAYERNORM_RESIDUAL_KERNEL : LAYERNORM_KERNEL,
          entry: row ? 'forward_row' : 'forward',
          constants: row
            ? { HAS_BIAS: hasBias, ROW_WG: LAYERNORM_ROW_WORKGROUP }
            : { HAS_BIAS: hasBias },
        }),
    uniforms: { ...uniformsOf(rows, width, stack, 0), eps, residualScale },
    entries,
    groups: flatGrid(ctx, row ? rowGroups(rows) : rows, label),
    label: `${label}${res ? ' +residual' : ''} [${variant}]`,
    ...(hasBias ? {} : { unused: [3] }),
  });
}

/**
 * Three dispatches: dx (one workgroup per row, or one thread per row for 'row'), then dgain/dbias
 * as per-block partial sums over LAYERNORM_ROWS_PER_BLOCK rows and a per-column sum of the
 * partials. The partial buffer ([2, rowBlocks, width] floats) is taken from the pool here and
 * returned by release().
 */
export async function prepareLayerNormBackward(
  ctx: GpuContext,
  args: LayerNormBackwardArgs,
): Promise<PreparedOp> {
  const { rows, width } = args;
  const label = args.label ?? `layernorm backward ${rows}x${width}`;
  checkDims(label, { rows, width });
  for (const [name, t, n] of [
    ['x', args.x, rows * width],
    ['mean', args.mean, rows],
    ['rstd', args.rstd, rows],
    ['dy', args.dy, rows * width],
    ['dx', args.dx, rows * width],
  ] as const) {
    needTensor(label, name, t, n);
  }
  const stack = stackingOf(label, args, rows, width);
  needTensor(label, 'gain', args.gain, stack.paramLength);
  needTensor(label, 'dgain', args.dgain, stack.paramLength);
  if (args.dbias) needTensor(label, 'dbias', args.dbias, stack.paramLength);
  const reads = { x: args.x, gain: args.gain, mean: args.mean, rstd: args.rstd, dy: args.dy };
  checkNoAliasing(label, { dx: args.dx }, reads);
  const hasBias = args.dbias !== undefined;
  const rowBlocks = Math.ceil(stack.rowsPerRun / LAYERNORM_ROWS_PER_BLOCK);
  const allBlocks = stack.runs * rowBlocks;

  // One at a time: each creation pushes and pops device error scopes.
  const variant = pickVariant(ctx, args.variant, width, rows, label);
  const dxPipeline =
    variant === 'subgroup'
      ? await ctx.pipelines.get(LAYERNORM_SUBGROUP_KERNEL, 'backward_dx_subgroup', {
          SG: subgroupLanes(ctx.features),
        })
      : variant === 'row'
        ? await ctx.pipelines.get(LAYERNORM_KERNEL, 'backward_dx_row', {
            ROW_WG: LAYERNORM_ROW_WORKGROUP,
          })
        : await ctx.pipelines.get(LAYERNORM_KERNEL, 'backward_dx');
  // The subgroup variant's column sums are the row variant's (no cross-lane reduction in them).
  const row = variant !== 'workgroup';
  const partialPipeline = await ctx.pipelines.get(
    LAYERNORM_KERNEL,
    row ? 'backward_params_partial_row' : 'backward_params_partial',
    row
      ? { ROWS_PER_BLOCK: LAYERNORM_ROWS_PER_BLOCK, ROW_WG: LAYERNORM_ROW_WORKGROUP }
      : { ROWS_PER_BLOCK: LAYERNORM_ROWS_PER_BLOCK },
  );
  const finalPipeline = await ctx.pipelines.get(LAYERNORM_KERNEL, 'backward_params_final', {
    HAS_BIAS: hasBias,
  });
  // One buffer for the three dispatches: both layernorm kernels read the one Params of
  // kernels/shared/layernorm_rows.wgsl.
  const out = paramGradBindings(args.dgain, args.dbias);
  const uniforms = createUniform(
    ctx,
    LAYERNORM_KERNEL,
    {
      ...uniformsOf(rows, width, stack, rowBlocks),
      dxBeta: args.dxBeta ?? 0,
      paramBeta: args.paramBeta ?? 0,
      dgainAt: out.dgainAt,
      dbiasAt: out.dbiasAt,
      dbiasInDgain: args.dbias && !out.dbias ? 1 : 0,
    },
    label,
  );
  const partial = createTensor(ctx, [2, allBlocks, width], 'f32', `${label}:partial`);
  // Binding 14 when the final pass never writes it (no bias, or dbias written through binding
  // 13): the layout still has it; a small scratch buffer of our own avoids binding a caller's
  // buffer twice.
  const scratch = out.dbias ? undefined : createTensor(ctx, [4], 'f32', `${label}:no-bias`);
  const u = { binding: 0, resource: { buffer: uniforms } };
  const dxGroups = flatGrid(ctx, variant === 'row' ? rowGroups(rows) : rows, label);
  const partialGroups: [number, number, number] = row
    ? flatGrid(ctx, rowGroups(allBlocks * width), label)
    : [workgroupCount(ctx, width, 32, label), workgroupCount(ctx, allBlocks, 1, label), 1];
  const finalGroups = workgroupCount(ctx, stack.runs * width, 64, label);
  return dispatchOp(ctx, {
    label: `${label} [${variant}]`,
    dispatches: [
      {
        label: `${label}:dx [${variant}]`,
        pipeline: dxPipeline,
        entries: [
          u,
          { binding: 1, resource: bindingOf(args.x) },
          { binding: 2, resource: bindingOf(args.gain) },
          { binding: 7, resource: bindingOf(args.dy) },
          { binding: 8, resource: bindingOf(args.mean) },
          { binding: 9, resource: bindingOf(args.rstd) },
          { binding: 10, resource: bindingOf(args.dx) },
        ],
        groups: dxGroups,
      },
      {
        label: `${label}:params-partial [${variant}]`,
        pipeline: partialPipeline,
        entries: [
          u,
          { binding: 1, resource: bindingOf(args.x) },
          { binding: 7, resource: bindingOf(args.dy) },
          { binding: 8, resource: bindingOf(args.mean) },
          { binding: 9, resource: bindingOf(args.rstd) },
          { binding: 11, resource: bindingOf(partial) },
        ],
        groups: partialGroups,
      },
      {
        label: `${label}:params-final [${variant}]`,
        pipeline: finalPipeline,
        entries: [
          u,
          { binding: 12, resource: bindingOf(partial) },
          { binding: 13, resource: bindingOf(out.dgain) },
          { binding: 14, resource: bindingOf(out.dbias ?? (scratch as GpuTensor)) },
        ],
        groups: [finalGroups, 1, 1],
      },
    ],
    owned: [uniforms],
    ownedTensors: scratch ? [partial, scratch] : [partial],
  });
}

/** The variant an op on `ctx` runs: `forced`, else the chooser's (a tuned 'subgroup' only with subgroups). */
export function layerNormVariantOn(
  ctx: GpuContext,
  width: number,
  rows: number,
  forced?: LayerNormVariant,
): LayerNormVariant {
  return pickVariant(ctx, forced, width, rows, `layernorm ${rows}x${width}`);
}

function pickVariant(
  ctx: GpuContext,
  forced: LayerNormVariant | undefined,
  width: number,
  rows: number,
  label: string,
): LayerNormVariant {
  const problem = { width, rows, subgroups: subgroupLanes(ctx.features) > 0 };
  const withoutSubgroups = LAYERNORM_VARIANT_REGISTRY.threshold(ctx.adapter, {
    ...problem,
    subgroups: false,
  });
  return variantOn(ctx, LAYERNORM_VARIANT_REGISTRY, problem, forced, withoutSubgroups, label);
}

interface Stacking {
  runs: number;
  rowsPerRun: number;
  paramStride: number;
  /** Elements of a per-run parameter tensor (gain, bias, dgain, dbias) over all runs. */
  paramLength: number;
}

function stackingOf(label: string, args: LayerNormStacking, rows: number, width: number): Stacking {
  const runs = args.runs ?? 1;
  const paramStride = args.paramStride ?? width;
  checkDims(label, { runs, paramStride });
  if (rows % runs !== 0) {
    throw new Error(`${label}: rows (${rows}) must be a multiple of runs (${runs})`);
  }
  if (runs > 1 && paramStride < width) {
    throw new Error(`${label}: paramStride (${paramStride}) must be at least width (${width})`);
  }
  return {
    runs,
    rowsPerRun: rows / runs,
    paramStride,
    paramLength: (runs - 1) * paramStride + width,
  };
}

/** The Params fields every entry point shares (the others default to 0 where unused). */
function uniformsOf(rows: number, width: number, stack: Stacking, rowBlocks: number) {
  return {
    rows,
    width,
    rowBlocks,
    rowsPerRun: stack.rowsPerRun,
    paramStride: stack.paramStride,
    eps: 0,
    dxBeta: 0,
    paramBeta: 0,
    dgainAt: 0,
    dbiasAt: 0,
    dbiasInDgain: 0,
    residualScale: 0,
  };
}

/**
 * Bindings 13 and 14 of the final pass. dgain and dbias in one buffer (views of one gradient
 * buffer: stacked, their ranges interleave, and two overlapping writable bindings are refused) are
 * written through one binding spanning both, at element offsets dgainAt and dbiasAt; otherwise
 * each through its own (dbias undefined: binding 14 unused).
 */
function paramGradBindings(
  dgain: GpuTensor,
  dbias: GpuTensor | undefined,
): { dgain: GpuTensor; dbias?: GpuTensor; dgainAt: number; dbiasAt: number } {
  if (!dbias || dbias.buffer !== dgain.buffer) return { dgain, dbias, dgainAt: 0, dbiasAt: 0 };
  const start = Math.min(dgain.offset, dbias.offset);
  const end = Math.max(dgain.offset + dgain.length * 4, dbias.offset + dbias.length * 4);
  const span: GpuTensor = {
    ...dgain,
    offset: start,
    length: (end - start) / 4,
    shape: [(end - start) / 4],
  };
  return { dgain: span, dgainAt: (dgain.offset - start) / 4, dbiasAt: (dbias.offset - start) / 4 };
}

/** Workgroups of the 'row' entry points for `threads` threads. */
function rowGroups(threads: number): number {
  return Math.ceil(threads / LAYERNORM_ROW_WORKGROUP);
}
