/** Typed wrapper of kernels/embedding.wgsl: shape checks, dispatch sizes, bindings. */
import embeddingWgsl from '../../kernels/embedding.wgsl?raw';
import {
  dispatchOp,
  singleDispatchOp,
  bindingOf,
  createTensor,
  createUniform,
  workgroupCount,
  type AdapterSummary,
  type VariantTable,
  type Dispatch,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import type { EmbeddingRefShape } from '../reference/embedding';
import { checkDims, checkNoAliasing, flatGrid, needTensor } from './shapes';
import { chooseVariant, type VariantRegistry } from './variants';

export const EMBEDDING_KERNEL = { name: 'embedding', code: embeddingWgsl };

/**
 * How dTok is summed: `staged` stages 256 token ids at a time in workgroup memory (one barrier
 * per chunk); `direct` reads them from storage without barriers; `sorted` first lists each id's
 * positions (one more dispatch and a scratch buffer) and then reads only those rows. Same sums,
 * same order.
 */
export const EMBEDDING_BACKWARD_VARIANTS = ['staged', 'direct', 'sorted'] as const;
export type EmbeddingBackwardVariant = (typeof EMBEDDING_BACKWARD_VARIANTS)[number];

const TOKEN_ENTRY: Record<EmbeddingBackwardVariant, string> = {
  staged: 'backward_tok',
  direct: 'backward_tok_direct',
  sorted: 'backward_tok_sorted',
};

/** An embedding backward problem: the vocabulary and width set the shape class. */
export interface EmbeddingProblem {
  vocab: number;
  dim: number;
  /** batch x seq: timed by the tuner, not part of the shape class. */
  tokens?: number;
}

/**
 * Thresholds: CPU fallback adapters -> sorted. There every storage load with a computed index
 * is a per-lane gather, and sorted loads vocab * n + n * dim values where direct loads
 * vocab * dim * n: in the training benchmark's step (batch 16 x 64 tokens, vocab 96) the op
 * took 2.8 / 4.7 / 10.9 ms at widths 64 / 128 / 256 against direct's 60 / 96 / 221 ms
 * (direct had itself replaced staged there: a barrier makes each 4-lane group a coroutine;
 * 290 -> 194 ms at dim 64 under load). GPUs -> staged (not measured on one yet).
 */
export const EMBEDDING_VARIANT_REGISTRY: VariantRegistry<
  EmbeddingBackwardVariant,
  EmbeddingProblem
> = {
  kernel: 'embedding',
  variants: { staged: {}, direct: {}, sorted: {} },
  shapeClass: (p) => `v${p.vocab}d${p.dim}`,
  threshold: (adapter) => (adapter.isFallback ? 'sorted' : 'staged'),
};

/** The variant `tuned` (the context's table) names for this shape, else the thresholds'. */
export function chooseEmbeddingBackwardVariant(
  adapter: AdapterSummary,
  problem: EmbeddingProblem,
  tuned?: VariantTable,
): EmbeddingBackwardVariant {
  return chooseVariant(EMBEDDING_VARIANT_REGISTRY, adapter, problem, tuned);
}

/** The kernel's shape is the reference's (src/reference/embedding.ts). */
export type EmbeddingShape = EmbeddingRefShape;

export interface EmbeddingForwardArgs extends EmbeddingShape {
  /** u32 token ids [batch, seq]; an id >= vocab gives a row of zeros. */
  tokens: GpuTensor;
  tokEmb: GpuTensor;
  posEmb: GpuTensor;
  /** [batch, seq, dim]; a different buffer from the inputs. */
  out: GpuTensor;
  label?: string;
}

export interface EmbeddingBackwardArgs extends EmbeddingShape {
  tokens: GpuTensor;
  dOut: GpuTensor;
  /** [vocab, dim] and [posRows, dim]; different buffers from tokens and dOut. */
  dTok: GpuTensor;
  dPos: GpuTensor;
  /** dTok = computed + beta * old (gradient accumulation). Default 0. */
  beta?: number;
  /** dPos = computed + posBeta * old. Default: beta. */
  posBeta?: number;
  /** Forces a variant (tests); default chooseEmbeddingBackwardVariant. */
  variant?: EmbeddingBackwardVariant;
  label?: string;
}

function checkShape(label: string, s: EmbeddingShape): number {
  const posRows = s.posRows ?? s.seq;
  checkDims(label, { batch: s.batch, seq: s.seq, vocab: s.vocab, dim: s.dim, posRows });
  if (posRows < s.seq) throw new Error(`${label}: posRows (${posRows}) < seq (${s.seq})`);
  if (s.batch * s.seq * s.dim > 0xffffffff) throw new Error(`${label}: too many elements`);
  return posRows;
}

function uniformsFor(
  ctx: GpuContext,
  s: EmbeddingShape,
  posRows: number,
  beta: number,
  posBeta: number,
  label: string,
): GPUBuffer {
  const alpha = s.alpha ?? 1;
  if (!Number.isFinite(alpha) || !Number.isFinite(beta) || !Number.isFinite(posBeta)) {
    throw new Error(`${label}: alpha and beta must be finite`);
  }
  return createUniform(
    ctx,
    EMBEDDING_KERNEL,
    {
      batch: s.batch,
      seq: s.seq,
      dim: s.dim,
      vocab: s.vocab,
      posRows,
      alpha,
      beta,
      betaPos: posBeta,
    },
    label,
  );
}

export async function prepareEmbeddingForward(
  ctx: GpuContext,
  args: EmbeddingForwardArgs,
): Promise<PreparedOp> {
  const { batch, seq, vocab, dim } = args;
  const label = args.label ?? `embedding forward ${batch}x${seq}x${dim}`;
  const posRows = checkShape(label, args);
  needTensor(label, 'tokens', args.tokens, batch * seq, 'u32');
  needTensor(label, 'tokEmb', args.tokEmb, vocab * dim);
  needTensor(label, 'posEmb', args.posEmb, posRows * dim);
  needTensor(label, 'out', args.out, batch * seq * dim);
  checkNoAliasing(
    label,
    { out: args.out },
    { tokens: args.tokens, tokEmb: args.tokEmb, posEmb: args.posEmb },
  );
  const pipeline = await ctx.pipelines.get(EMBEDDING_KERNEL, 'forward');
  const uniforms = uniformsFor(ctx, args, posRows, 0, 0, label);
  const entries: GPUBindGroupEntry[] = [
    { binding: 0, resource: { buffer: uniforms } },
    { binding: 1, resource: bindingOf(args.tokens) },
    { binding: 2, resource: bindingOf(args.tokEmb) },
    { binding: 3, resource: bindingOf(args.posEmb) },
    { binding: 4, resource: bindingOf(args.out) },
  ];
  const groups = flatGrid(ctx, Math.ceil((batch * seq * dim) / 256), label);
  return singleDispatchOp(ctx, { pipeline, entries, groups, label: label, owned: [uniforms] });
}

/** dTok (a deterministic scatter-add; `sorted` lists each id's positions first), then dPos. */
export async function prepareEmbeddingBackward(
  ctx: GpuContext,
  args: EmbeddingBackwardArgs,
): Promise<PreparedOp> {
  const { batch, seq, vocab, dim } = args;
  const label = args.label ?? `embedding backward ${batch}x${seq}x${dim}`;
  const posRows = checkShape(label, args);
  needTensor(label, 'tokens', args.tokens, batch * seq, 'u32');
  needTensor(label, 'dOut', args.dOut, batch * seq * dim);
  needTensor(label, 'dTok', args.dTok, vocab * dim);
  needTensor(label, 'dPos', args.dPos, posRows * dim);
  checkNoAliasing(
    label,
    { dTok: args.dTok, dPos: args.dPos },
    { tokens: args.tokens, dOut: args.dOut },
  );
  const variant =
    args.variant ??
    chooseEmbeddingBackwardVariant(
      ctx.adapter,
      {
        vocab,
        dim,
        tokens: batch * seq,
      },
      ctx.tuned,
    );
  const tokPipeline = await ctx.pipelines.get(EMBEDDING_KERNEL, TOKEN_ENTRY[variant]);
  const posPipeline = await ctx.pipelines.get(EMBEDDING_KERNEL, 'backward_pos');
  const uniforms = uniformsFor(
    ctx,
    args,
    posRows,
    args.beta ?? 0,
    args.posBeta ?? args.beta ?? 0,
    label,
  );
  const u = { binding: 0, resource: { buffer: uniforms } };
  const tokGroups: [number, number, number] = [
    workgroupCount(ctx, dim, 64, label),
    workgroupCount(ctx, vocab, 4, label),
    1,
  ];
  const posGroups = flatGrid(ctx, Math.ceil((posRows * dim) / 256), label);
  const tokEntries: GPUBindGroupEntry[] = [
    u,
    { binding: 5, resource: bindingOf(args.dOut) },
    { binding: 6, resource: bindingOf(args.dTok) },
  ];
  const dispatches: Dispatch[] = [];
  const ownedTensors: GpuTensor[] = [];
  if (variant === 'sorted') {
    // Each id's positions (in order), then each id's (start, count): see kernels/embedding.wgsl.
    const order = createTensor(ctx, [batch * seq + 2 * vocab], 'u32', `${label}:order`);
    ownedTensors.push(order);
    dispatches.push({
      label: `${label}:bucket`,
      pipeline: await ctx.pipelines.get(EMBEDDING_KERNEL, 'bucket_tokens'),
      entries: [
        u,
        { binding: 1, resource: bindingOf(args.tokens) },
        { binding: 8, resource: bindingOf(order) },
      ],
      groups: [workgroupCount(ctx, vocab, 64, label), 1, 1],
    });
    tokEntries.push({ binding: 8, resource: bindingOf(order) });
  } else {
    tokEntries.push({ binding: 1, resource: bindingOf(args.tokens) });
  }
  dispatches.push(
    { label: `${label}:tok`, pipeline: tokPipeline, entries: tokEntries, groups: tokGroups },
    {
      label: `${label}:pos`,
      pipeline: posPipeline,
      entries: [
        u,
        { binding: 1, resource: bindingOf(args.tokens) },
        { binding: 5, resource: bindingOf(args.dOut) },
        { binding: 7, resource: bindingOf(args.dPos) },
      ],
      groups: posGroups,
    },
  );
  return dispatchOp(ctx, { label, dispatches, owned: [uniforms], ownedTensors });
}
