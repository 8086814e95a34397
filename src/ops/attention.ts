/**
 * Typed wrapper of kernels/attention.wgsl: causal multi-head self-attention, forward and
 * backward. Layout (see the kernel's header): qkv [B, T, 3, H, D] as one fused QKV matmul writes
 * it, out [B, T, H, D], lse [B, H, T], dqkv [B, T, 3, H, D].
 *
 * Variants (same contract, bindings and results up to rounding; see the kernel's header):
 * - 'tiled'  64 rows per workgroup, the other side staged through workgroup memory in tiles,
 *            two barriers per tile.
 * - 'row'    barrier-free: one invocation per (batch, head, row) over a flat index, workgroups
 *            of ATTENTION_ROW_WORKGROUP, the other side's rows read straight from global memory.
 * - 'unrolled' kernels/attention_unrolled.wgsl: like 'row', but built per head size D (<= 64)
 *            with every loop over D unrolled into vec4 registers, and attentionUnrolledRows(D)
 *            rows per invocation sharing each row of the other side they load.
 * - 'subgroup' kernels/attention_subgroup.wgsl, adapters with the feature `subgroups` and
 *            D <= 64: the lanes of a subgroup split one row's keys (queries) and combine their
 *            partials with subgroupMax / subgroupAdd. No threshold picks it (only the tuner):
 *            it suits GPUs, where a row per thread leaves too few threads at small T.
 * Choice (chooseAttentionVariant): on CPU fallback adapters 'unrolled' where D <= 64, else
 * 'row'; 'tiled' on GPUs (unmeasured there: the tuner times them all). 'unrolled' against 'row'
 * on SwiftShader (batch 2 x 4 heads, same run): forward 1.8-5x, backward 2-6x faster at T
 * 64-256, D 16-64 (bench/RESULTS.md). On
 * SwiftShader each barrier suspends every 4-lane subgroup of the workgroup and idle lanes still
 * cost: measured at B 28, T 16, H 2, D 32, 'row' ran the forward ~9x and the backward ~6x
 * faster, about even at T 256, D 64. Building a 'tiled' pipeline also takes 1.5-3 s there, almost
 * all of it for the zero-initialisation of its 16 KB of workgroup memory (the size of the private
 * arrays hardly matters); a 'row' pipeline takes 40-100 ms.
 *
 * Private arrays: 'row' sizes them MAX_D = attentionMaxD(D) (D rounded up to a power of two, at
 * least 8); 'tiled' keeps MAX_D = 128 (one module for every D: each more 'tiled' module would cost
 * SwiftShader seconds to build, in every test run). WGSL allows no override-sized private arrays,
 * so each MAX_D is its own specialised source, kernel name `attention@d<MAX_D>`, compiled once
 * per process and bucket.
 */
import attentionWgsl from '../../kernels/attention.wgsl?raw';
import attentionSubgroupWgsl from '../../kernels/attention_subgroup.wgsl?raw';
import attentionUnrolledWgsl from '../../kernels/attention_unrolled.wgsl?raw';
import {
  dispatchOp,
  createTensor,
  createUniform,
  workgroupCount,
  type AdapterSummary,
  type VariantTable,
  type GpuContext,
  type GpuTensor,
  type KernelSource,
  type OverrideConstants,
  type PreparedOp,
  type UniformValues,
  prepareKernelDispatch,
  tensorEntries,
} from '../gpu';
import { MAX_CONTEXT, MAX_HEAD_SIZE } from '../limits';
import { checkDims, checkNoAliasing, flatGrid } from './shapes';
import { chooseVariant, type VariantRegistry } from './variants';
import { SUBGROUP_RULE, variantOn } from './subgroups';
import { expandUnroll, setConst } from './wgslTemplate';

export const ATTENTION_KERNEL = { name: 'attention', code: attentionWgsl };

/** Rows (queries or keys) per workgroup, and floats per staged workgroup tile ('tiled'). */
const ROWS_PER_GROUP = 64;
const TILE_FLOATS = 2048;

export const ATTENTION_VARIANTS = ['tiled', 'row', 'unrolled', 'subgroup'] as const;
export type AttentionVariant = (typeof ATTENTION_VARIANTS)[number];

/** Invocations per workgroup of the 'row' variant (one per (batch, head, row)). */
export const ATTENTION_ROW_WORKGROUP = 32;

/** The shape facts a tuned attention choice is stored under; absent: the thresholds decide. */
export interface AttentionProblem {
  batch: number;
  heads: number;
  headSize: number;
  context: number;
}

/** Largest head size of the 'unrolled' variant (its registers, and its code, grow with D). */
export const ATTENTION_UNROLLED_MAX_D = 64;

export const ATTENTION_VARIANT_REGISTRY: VariantRegistry<
  AttentionVariant,
  AttentionProblem | undefined
> = {
  kernel: 'attention',
  variants: {
    tiled: {},
    row: {},
    unrolled: { applies: (_env, p) => p !== undefined && p.headSize <= ATTENTION_UNROLLED_MAX_D },
    subgroup: {
      applies: (env, p) =>
        SUBGROUP_RULE.applies!(env, p) && p !== undefined && p.headSize <= ATTENTION_UNROLLED_MAX_D,
    },
  },
  shapeClass: (p) => (p ? `T${p.context} D${p.headSize} BH${p.batch * p.heads}` : 'any'),
  threshold: (adapter, p) => {
    if (!adapter.isFallback) return 'tiled';
    return p !== undefined && p.headSize <= ATTENTION_UNROLLED_MAX_D ? 'unrolled' : 'row';
  },
};

/** The variant `tuned` (the context's table) names for this shape, else the thresholds'. */
export function chooseAttentionVariant(
  adapter: AdapterSummary,
  problem?: AttentionProblem,
  tuned?: VariantTable,
): AttentionVariant {
  return chooseVariant(ATTENTION_VARIANT_REGISTRY, adapter, problem, tuned);
}

/** Private-array size of the 'row' variant for head size D: D rounded up to a power of two, >= 8. */
export function attentionMaxD(headSize: number): number {
  let maxD = 8;
  while (maxD < headSize) maxD *= 2;
  return maxD;
}

const specialised = new Map<string, KernelSource>();

function memoKernel(name: string, build: () => string): KernelSource {
  let kernel = specialised.get(name);
  if (!kernel) {
    kernel = { name, code: build() };
    specialised.set(name, kernel);
  }
  return kernel;
}

/** The kernel source with private arrays of `maxD` floats (one shader module per value). */
export function attentionKernel(maxD: number): KernelSource {
  return memoKernel(`${ATTENTION_KERNEL.name}@d${maxD}`, () =>
    expandUnroll(setConst(ATTENTION_KERNEL.code, 'MAX_D', maxD), { x: 4 }),
  );
}

/**
 * Query (or key) rows per invocation of the 'unrolled' variant: each key (query) row loaded is
 * used for this many rows. Measured on SwiftShader (B 16, H 4, T 64, load 9-12, interleaved
 * runs): 2 rows ran 2.5-3x faster than 1 at D 16 and about 2x at D 32, and 4 rows no faster
 * than 2 at D 16; at D 64, 1 and 2 rows were even. Pipeline builds grow with the unrolled code
 * (SwiftShader, same load: D 16 with 2 rows 2.0 s, with 4 rows 5.6 s; D 64 with 1 row 9 s, with
 * 2 rows 13-22 s), so D > 32 takes one row.
 */
export function attentionUnrolledRows(headSize: number): number {
  return headSize <= 32 ? 2 : 1;
}

/** Invocations (and rows) per workgroup of the 'subgroup' variant (its kernel's WG). */
const SUBGROUP_WORKGROUP = 64;

/** kernels/attention_subgroup.wgsl for head size D. */
export function attentionSubgroupKernel(headSize: number): KernelSource {
  return memoKernel(`attention_subgroup@d${headSize}`, () =>
    expandUnroll(setConst(attentionSubgroupWgsl, 'D', headSize), { c: Math.ceil(headSize / 4) }),
  );
}

/** kernels/attention_unrolled.wgsl for head size D and `rows` rows per invocation. */
export function attentionUnrolledKernel(headSize: number, rows: number): KernelSource {
  return memoKernel(`attention_unrolled@d${headSize}r${rows}`, () => {
    const code = setConst(setConst(attentionUnrolledWgsl, 'D', headSize), 'R', rows);
    return expandUnroll(code, { a: rows, c: Math.ceil(headSize / 4) });
  });
}

export interface AttentionShape {
  /** B: batch size times stacked runs. */
  batch: number;
  /** H: number of heads. */
  heads: number;
  /** D: head size, at most 128. */
  headSize: number;
  /** T: context (sequence) length, at most 512. */
  context: number;
  /** Logit multiplier: 1/sqrt(D) under SP, alpha/D under µP. */
  scale: number;
  label?: string;
  /** Force a kernel variant (tests, benchmarks); default: chooseAttentionVariant. */
  variant?: AttentionVariant;
}

export interface AttentionForwardArgs extends AttentionShape {
  /** [B, T, 3, H, D]: Q, K, V of every position, as one fused QKV matmul produces them. */
  qkv: GpuTensor;
  /** Output [B, T, H, D]. */
  out: GpuTensor;
  /** Output [B, H, T]: per-row log-sum-exp of the scaled logits, for the backward. */
  lse: GpuTensor;
}

export interface AttentionBackwardArgs extends AttentionShape {
  qkv: GpuTensor;
  /** The forward's out and lse. */
  out: GpuTensor;
  lse: GpuTensor;
  /** Gradient of the loss with respect to out, [B, T, H, D]. */
  dout: GpuTensor;
  /** Output [B, T, 3, H, D]: gradient with respect to qkv (overwritten, not accumulated). */
  dqkv: GpuTensor;
}

interface Checked {
  label: string;
  sizes: { qkv: number; rows: number; out: number };
  uniformValues: UniformValues;
  groups: [number, number, number];
  kernel: KernelSource;
  constants: OverrideConstants;
  entry: (name: 'forward' | 'backward_dq' | 'backward_dkv') => string;
}

function checkShape(ctx: GpuContext, s: AttentionShape, kind: string): Checked {
  const { batch, heads, headSize, context, scale } = s;
  const base = s.label ?? `attention ${kind} B${batch} T${context} H${heads} D${headSize}`;
  checkDims(base, { batch, heads, headSize, context });
  if (headSize > MAX_HEAD_SIZE) {
    throw new Error(
      `${base}: headSize ${headSize} exceeds the attention kernel's maximum of ${MAX_HEAD_SIZE}`,
    );
  }
  if (context > MAX_CONTEXT) {
    throw new Error(
      `${base}: context ${context} exceeds the attention kernel's maximum of ${MAX_CONTEXT}`,
    );
  }
  if (!Number.isFinite(scale)) throw new Error(`${base}: scale must be finite, got ${scale}`);
  const problem = { batch, heads, headSize, context };
  const withoutSubgroups = ATTENTION_VARIANT_REGISTRY.threshold(ctx.adapter, problem);
  const variant = variantOn(
    ctx,
    ATTENTION_VARIANT_REGISTRY,
    problem,
    s.variant,
    withoutSubgroups,
    base,
  );
  const label = `${base} [${variant}]`;
  const rows = batch * heads * context;
  const tile = Math.min(ROWS_PER_GROUP, Math.floor(TILE_FLOATS / headSize));
  const common = {
    label,
    sizes: {
      qkv: batch * context * 3 * heads * headSize,
      rows,
      out: batch * context * heads * headSize,
    },
    uniformValues: { T: context, H: heads, headSize, tile, scale, rows },
  };
  switch (variant) {
    case 'unrolled': {
      if (headSize > ATTENTION_UNROLLED_MAX_D) {
        throw new Error(
          `${label}: headSize ${headSize} exceeds the unrolled variant's maximum of ${ATTENTION_UNROLLED_MAX_D}`,
        );
      }
      const perInvocation = attentionUnrolledRows(headSize);
      const invocations = batch * heads * Math.ceil(context / perInvocation);
      return {
        ...common,
        groups: flatGrid(ctx, Math.ceil(invocations / ATTENTION_ROW_WORKGROUP), label),
        kernel: attentionUnrolledKernel(headSize, perInvocation),
        constants: { ROW_WG: ATTENTION_ROW_WORKGROUP },
        entry: (name) => `${name}_unrolled`,
      };
    }
    case 'subgroup': {
      if (headSize > ATTENTION_UNROLLED_MAX_D) {
        throw new Error(
          `${label}: headSize ${headSize} exceeds the subgroup variant's maximum of ${ATTENTION_UNROLLED_MAX_D}`,
        );
      }
      const blocks = batch * heads * Math.ceil(context / SUBGROUP_WORKGROUP);
      return {
        ...common,
        groups: flatGrid(ctx, blocks, label),
        kernel: attentionSubgroupKernel(headSize),
        constants: {},
        entry: (name) => `${name}_subgroup`,
      };
    }
    case 'row':
      return {
        ...common,
        groups: flatGrid(ctx, Math.ceil(rows / ATTENTION_ROW_WORKGROUP), label),
        kernel: attentionKernel(attentionMaxD(headSize)),
        constants: { ROW_WG: ATTENTION_ROW_WORKGROUP },
        entry: (name) => `${name}_row`,
      };
    case 'tiled':
      return {
        ...common,
        groups: [
          workgroupCount(ctx, context, ROWS_PER_GROUP, label),
          workgroupCount(ctx, heads, 1, label),
          workgroupCount(ctx, batch, 1, label),
        ],
        kernel: attentionKernel(MAX_HEAD_SIZE),
        constants: {},
        entry: (name) => name,
      };
  }
}

function need(t: GpuTensor, elements: number, what: string, shape: string, label: string): void {
  if (t.dtype !== 'f32') throw new Error(`${label}: ${what} must be f32, got ${t.dtype}`);
  if (t.length < elements) {
    throw new Error(
      `${label}: ${what} has ${t.length} elements, needs at least ${elements} (${shape})`,
    );
  }
}

/** O = softmax(scale Q K^T, causal) V and the rows' log-sum-exp, in one dispatch. */
export async function prepareAttentionForward(
  ctx: GpuContext,
  args: AttentionForwardArgs,
): Promise<PreparedOp> {
  const { label, sizes, uniformValues, groups, kernel, constants, entry } = checkShape(
    ctx,
    args,
    'forward',
  );
  need(args.qkv, sizes.qkv, 'qkv', '[B, T, 3, H, D]', label);
  need(args.out, sizes.out, 'out', '[B, T, H, D]', label);
  need(args.lse, sizes.rows, 'lse', '[B, H, T]', label);
  checkNoAliasing(label, { out: args.out, lse: args.lse }, { qkv: args.qkv });

  return prepareKernelDispatch(ctx, {
    kernel,
    entry: entry('forward'),
    constants,
    uniforms: uniformValues,
    entries: tensorEntries([
      [1, args.qkv],
      [2, args.out],
      [3, args.lse],
    ]),
    groups,
    label,
  });
}

/**
 * dqkv from qkv, the forward's out and lse, and dout: two dispatches, no atomics. The first
 * (parallel over query blocks) computes Delta = rowsum(dout * out) into a scratch buffer the op
 * owns, and dQ; the second (parallel over key blocks) computes dK and dV.
 */
export async function prepareAttentionBackward(
  ctx: GpuContext,
  args: AttentionBackwardArgs,
): Promise<PreparedOp> {
  const { label, sizes, uniformValues, groups, kernel, constants, entry } = checkShape(
    ctx,
    args,
    'backward',
  );
  need(args.qkv, sizes.qkv, 'qkv', '[B, T, 3, H, D]', label);
  need(args.out, sizes.out, 'out', '[B, T, H, D]', label);
  need(args.lse, sizes.rows, 'lse', '[B, H, T]', label);
  need(args.dout, sizes.out, 'dout', '[B, T, H, D]', label);
  need(args.dqkv, sizes.qkv, 'dqkv', '[B, T, 3, H, D]', label);
  checkNoAliasing(
    label,
    { dqkv: args.dqkv },
    { qkv: args.qkv, out: args.out, lse: args.lse, dout: args.dout },
  );

  // One at a time: each creation pushes and pops device error scopes.
  const dqPipeline = await ctx.pipelines.get(kernel, entry('backward_dq'), constants);
  const dkvPipeline = await ctx.pipelines.get(kernel, entry('backward_dkv'), constants);
  const uniforms = createUniform(ctx, kernel, uniformValues, label);
  const delta = createTensor(ctx, [args.batch, args.heads, args.context], 'f32', `${label}:delta`);
  // dK, dV read the Delta that the dQ dispatch writes: keep this order.
  return dispatchOp(ctx, {
    label,
    dispatches: [
      {
        label: `${label}:dq`,
        pipeline: dqPipeline,
        entries: [
          { binding: 0, resource: { buffer: uniforms } },
          ...tensorEntries([
            [1, args.qkv],
            [4, args.out],
            [5, args.dout],
            [6, args.lse],
            [7, args.dqkv],
            [8, delta],
          ]),
        ],
        groups,
      },
      {
        label: `${label}:dkv`,
        pipeline: dkvPipeline,
        entries: [
          { binding: 0, resource: { buffer: uniforms } },
          ...tensorEntries([
            [1, args.qkv],
            [5, args.dout],
            [6, args.lse],
            [7, args.dqkv],
            [9, delta],
          ]),
        ],
        groups,
      },
    ],
    owned: [uniforms],
    ownedTensors: [delta],
  });
}
