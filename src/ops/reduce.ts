/**
 * Typed wrapper of kernels/reduce.wgsl: per-group sum of squares, max |x| and non-finite flag of
 * a float array, in one deterministic two-level pass. AdamW (src/ops/adamw.ts) encodes it over
 * the gradients for the clip norm and the skip-on-NaN flag of each group (run).
 *
 * Variants (same contract and bindings):
 * - 'workgroup'  workgroups of 256 threads, fixed-order trees in workgroup memory (barriers).
 * - 'subgroup'   workgroups of the adapter's smallest subgroup size (one subgroup), per-lane
 *                pairwise sums combined by subgroupAdd/Max/Or: no barrier
 *                (kernels/reduce_subgroup.wgsl). Only where the device has subgroups.
 * AdamW chooses between them (src/ops/adamw.ts ADAMW_VARIANT_REGISTRY).
 */
import reduceWgsl from '../../kernels/reduce.wgsl?raw';
import reduceSubgroupWgsl from '../../kernels/reduce_subgroup.wgsl?raw';
import {
  bindingOf,
  createUniform,
  dispatchOp,
  readTensorU32,
  STORAGE_USAGE,
  workgroupCount,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import { flatGrid } from './shapes';
import { subgroupLanes } from './subgroups';

export const REDUCE_KERNEL = { name: 'reduce', code: reduceWgsl };
export const REDUCE_SUBGROUP_KERNEL = { name: 'reduce_subgroup', code: reduceSubgroupWgsl };

export const GROUP_STATS_VARIANTS = ['workgroup', 'subgroup'] as const;
export type GroupStatsVariant = (typeof GROUP_STATS_VARIANTS)[number];

/** Elements per chunk (one workgroup of 256 threads, 16 elements each) unless told otherwise. */
export const DEFAULT_CHUNK_SIZE = 4096;

/** A range of elements of the reduced array (element offset from the tensor's start). */
export interface Segment {
  offset: number;
  length: number;
  /** Group it is reduced into (default 0). */
  group?: number;
}

/** The work split shared by reduce.wgsl and adamw.wgsl. */
export interface ChunkTable {
  /** numChunks x (start, end, group, segment index); a group's chunks are contiguous. */
  chunks: Uint32Array;
  /** groups x (first chunk, end chunk). */
  groupRanges: Uint32Array;
  numChunks: number;
  groups: number;
}

function checkCount(value: number, what: string, label: string, min = 0): void {
  if (!Number.isInteger(value) || value < min || value > 0xffffffff) {
    throw new Error(`${label}: ${what} must be an integer >= ${min}, got ${value}`);
  }
}

/**
 * Splits segments into chunks of at most `chunkSize` elements, each inside one segment, ordered
 * by group and, within a group, by segment order: the order every sum is taken in.
 */
export function buildChunkTable(
  segments: readonly Segment[],
  groups: number,
  chunkSize: number,
  arrayLength: number,
  label: string,
): ChunkTable {
  checkCount(groups, 'groups', label, 1);
  checkCount(chunkSize, 'chunkSize', label, 1);
  segments.forEach((s, i) => {
    checkCount(s.offset, `segment ${i} offset`, label);
    checkCount(s.length, `segment ${i} length`, label);
    checkCount(s.group ?? 0, `segment ${i} group`, label);
    if ((s.group ?? 0) >= groups) {
      throw new Error(`${label}: segment ${i} has group ${s.group}, but there are ${groups}`);
    }
    if (s.offset + s.length > arrayLength) {
      throw new Error(
        `${label}: segment ${i} [${s.offset}, ${s.offset + s.length}) is past the array's ${arrayLength} elements`,
      );
    }
  });
  const chunks: number[] = [];
  const groupRanges = new Uint32Array(groups * 2);
  for (let g = 0; g < groups; g++) {
    groupRanges[2 * g] = chunks.length / 4;
    segments.forEach((s, index) => {
      if ((s.group ?? 0) !== g) return;
      for (let start = s.offset; start < s.offset + s.length; start += chunkSize) {
        chunks.push(start, Math.min(start + chunkSize, s.offset + s.length), g, index);
      }
    });
    groupRanges[2 * g + 1] = chunks.length / 4;
  }
  return { chunks: Uint32Array.from(chunks), groupRanges, numChunks: chunks.length / 4, groups };
}

/** Allocates a u32 storage tensor holding `data` (at least 4 words: the smallest vec4 binding). */
export function uploadWords(ctx: GpuContext, data: Uint32Array, label: string): GpuTensor {
  const length = Math.max(4, data.length);
  const buffer = ctx.pool.acquire(length * 4, STORAGE_USAGE, label);
  const padded = new Uint32Array(length);
  padded.set(data);
  ctx.device.queue.writeBuffer(buffer, 0, padded);
  return { buffer, offset: 0, length, shape: [length], dtype: 'u32' };
}

export interface GroupStatsArgs {
  /** The array reduced (f32). */
  x: GpuTensor;
  /** Element ranges and their groups; default: all of x in group 0. */
  segments?: readonly Segment[];
  /** Number of groups; default: the largest segment group + 1. */
  groups?: number;
  chunkSize?: number;
  label?: string;
  /** Default 'workgroup'; 'subgroup' needs a device with subgroups (src/ops/subgroups.ts). */
  variant?: GroupStatsVariant;
}

export interface GroupStatsOp extends PreparedOp {
  /**
   * [groups x 4] u32 per group: sum of squares (f32 bits), max |x| (f32 bits), non-finite flag
   * of the last pass (0/1), and how many passes raised the flag (accumulates; see resetCounts).
   * Decode with decodeGroupStats.
   */
  readonly stats: GpuTensor;
  readonly groups: number;
  readonly table: ChunkTable;
  /** The chunk table on the GPU (adamw.wgsl reads the same one). */
  readonly chunks: GpuTensor;
  /** Zeroes `stats`, including the flagged-pass counts (queue.writeBuffer, no allocation). */
  resetCounts(): void;
}

/**
 * Prepares the two dispatches (per-chunk partials, then per-group totals) of reduce.wgsl. One pass
 * gives all three statistics; prepareSumSquares, prepareMaxAbs and prepareNonFinite are this.
 */
export async function prepareGroupStats(
  ctx: GpuContext,
  args: GroupStatsArgs,
): Promise<GroupStatsOp> {
  const label = args.label ?? `reduce ${args.x.length}`;
  if (args.x.dtype !== 'f32') throw new Error(`${label}: x must be f32`);
  const segments = args.segments ?? [{ offset: 0, length: args.x.length, group: 0 }];
  const groups = args.groups ?? Math.max(1, ...segments.map((s) => (s.group ?? 0) + 1));
  const table = buildChunkTable(
    segments,
    groups,
    args.chunkSize ?? DEFAULT_CHUNK_SIZE,
    args.x.length,
    label,
  );
  const variant = args.variant ?? 'workgroup';
  if (!GROUP_STATS_VARIANTS.includes(variant)) {
    throw new Error(`${label}: unknown variant ${String(variant)}`);
  }
  const lanes = subgroupLanes(ctx.features);
  if (variant === 'subgroup' && lanes === 0) {
    throw new Error(`${label}: variant subgroup needs a device with the subgroups feature`);
  }
  const [chunkPipeline, groupPipeline] = await Promise.all(
    variant === 'subgroup'
      ? [
          ctx.pipelines.get(REDUCE_SUBGROUP_KERNEL, 'chunk_stats_subgroup', { SG: lanes }),
          ctx.pipelines.get(REDUCE_SUBGROUP_KERNEL, 'group_stats_subgroup', { SG: lanes }),
        ]
      : [
          ctx.pipelines.get(REDUCE_KERNEL, 'chunk_stats'),
          ctx.pipelines.get(REDUCE_KERNEL, 'group_stats'),
        ],
  );
  const chunks = uploadWords(ctx, table.chunks, `${label}:chunks`);
  const ranges = uploadWords(ctx, table.groupRanges, `${label}:groupRanges`);
  const partials = uploadWords(
    ctx,
    new Uint32Array(Math.max(1, table.numChunks) * 4),
    `${label}:partials`,
  );
  const zeros = new Uint32Array(groups * 4);
  const stats = uploadWords(ctx, zeros, `${label}:stats`);
  const grid = flatGrid(ctx, table.numChunks, label);
  const uniforms = createUniform(
    ctx,
    variant === 'subgroup' ? REDUCE_SUBGROUP_KERNEL : REDUCE_KERNEL,
    { numChunks: table.numChunks, groups },
    label,
  );
  const groupCount = workgroupCount(ctx, groups, 1, label);
  const op = dispatchOp(ctx, {
    label: `${label} [${variant}]`,
    dispatches: [
      {
        label: `${label}:chunk_stats`,
        pipeline: chunkPipeline,
        entries: [
          { binding: 0, resource: { buffer: uniforms } },
          { binding: 1, resource: bindingOf(args.x) },
          { binding: 2, resource: bindingOf(chunks) },
          { binding: 3, resource: bindingOf(partials) },
        ],
        groups: grid,
      },
      {
        label: `${label}:group_stats`,
        pipeline: groupPipeline,
        entries: [
          { binding: 0, resource: { buffer: uniforms } },
          { binding: 3, resource: bindingOf(partials) },
          { binding: 4, resource: bindingOf(ranges) },
          { binding: 5, resource: bindingOf(stats) },
        ],
        groups: [groupCount, 1, 1],
      },
    ],
    owned: [uniforms],
    ownedTensors: [chunks, ranges, partials, stats],
  });
  return {
    ...op,
    stats,
    groups,
    table,
    chunks,
    resetCounts() {
      ctx.device.queue.writeBuffer(stats.buffer, 0, zeros);
    },
  };
}

/** Sum of squares per group (see prepareGroupStats: the same pass). */
export const prepareSumSquares = prepareGroupStats;
/** max |x| per group (see prepareGroupStats: the same pass). */
export const prepareMaxAbs = prepareGroupStats;
/** Non-finite flag per group, from the float bits (see prepareGroupStats: the same pass). */
export const prepareNonFinite = prepareGroupStats;

export interface GroupStats {
  sumSquares: number[];
  maxAbs: number[];
  nonFinite: boolean[];
  /** How many passes since the last reset raised the group's flag. */
  flaggedCount: number[];
}

/** Decodes the [groups x 4] words of a stats tensor. */
export function decodeGroupStats(words: Uint32Array, groups: number): GroupStats {
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  const out: GroupStats = { sumSquares: [], maxAbs: [], nonFinite: [], flaggedCount: [] };
  for (let g = 0; g < groups; g++) {
    out.sumSquares.push(floats[4 * g]);
    out.maxAbs.push(floats[4 * g + 1]);
    out.nonFinite.push(words[4 * g + 2] !== 0);
    out.flaggedCount.push(words[4 * g + 3]);
  }
  return out;
}

/** Reads the statistics back (awaits the GPU: not every step). */
export async function readGroupStats(
  ctx: GpuContext,
  op: Pick<GroupStatsOp, 'stats' | 'groups'>,
): Promise<GroupStats> {
  return decodeGroupStats(await readTensorU32(ctx, op.stats), op.groups);
}
