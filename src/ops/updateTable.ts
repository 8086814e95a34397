/**
 * What the optimizer update kernels (adamw.wgsl, sgd.wgsl) share on the CPU side: the checks of
 * their per-tensor tables and buffers, the 32-byte table entry (`struct Tensor`: offset,
 * length, group, a u32 flag word (adamw.wgsl: statsOnly), then four f32 per-tensor values), and
 * the op: the gradient statistics pass, then one update dispatch over the chunk table.
 */
import {
  bindingOf,
  createUniformBlock,
  singleDispatchOp,
  STORAGE_USAGE,
  type GpuContext,
  type GpuTensor,
  type KernelSource,
  type PreparedOp,
  type UniformBlock,
} from '../gpu';
import { prepareGroupStats, type GroupStatsOp, type GroupStatsVariant } from './reduce';
import { flatGrid } from './shapes';

/** One tensor of an update table: its element range, its group (run) and its f32 values. */
export interface UpdateTableTensor {
  offset: number;
  length: number;
  group?: number;
  name?: string;
}

/** Bytes per entry of the tensor table; must match `struct Tensor` in adamw.wgsl and sgd.wgsl. */
export const UPDATE_TENSOR_BYTES = 32;

/**
 * Checks an update's buffers and table: f32 buffers, all distinct (one dispatch may not bind a
 * buffer both read-write and read-only), tensors that do not overlap, per-tensor values finite
 * and >= 0 (`values(t)`), and buffers long enough for the last tensor. Returns the table's end.
 */
export function checkUpdateTable<T extends UpdateTableTensor>(
  label: string,
  buffers: Readonly<Record<string, GpuTensor>>,
  tensors: readonly T[],
  values: (t: T) => Record<string, number>,
): number {
  for (const [name, t] of Object.entries(buffers)) {
    if (t.dtype !== 'f32') throw new Error(`${label}: ${name} must be f32`);
  }
  const names = Object.keys(buffers);
  if (new Set(Object.values(buffers).map((t) => t.buffer)).size !== names.length) {
    const list = `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
    const count = ['two', 'three', 'four'][names.length - 2] ?? String(names.length);
    throw new Error(`${label}: ${list} must be ${count} different buffers`);
  }
  const sorted = tensors.filter((t) => t.length > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].offset < prev.offset + prev.length) {
      throw new Error(`${label}: tensors ${prev.name ?? ''} and ${sorted[i].name ?? ''} overlap`);
    }
  }
  tensors.forEach((t, i) => {
    for (const [name, x] of Object.entries(values(t))) {
      if (!Number.isFinite(x) || x < 0) {
        throw new Error(`${label}: tensor ${t.name ?? i} has ${name} = ${x}`);
      }
    }
  });
  const end = Math.max(0, ...tensors.map((t) => t.offset + t.length));
  for (const [name, t] of Object.entries(buffers)) {
    if (t.length < end) {
      throw new Error(`${label}: tensors end at element ${end}, but ${name} has ${t.length}`);
    }
  }
  return end;
}

/** The table bytes: per tensor offset, length, group, flag (u32) and up to four f32 values. */
export function updateTableBytes<T extends UpdateTableTensor>(
  tensors: readonly T[],
  values: (t: T) => readonly number[],
  flag: (t: T) => number = () => 0,
): ArrayBuffer {
  const table = new DataView(new ArrayBuffer(Math.max(1, tensors.length) * UPDATE_TENSOR_BYTES));
  tensors.forEach((t, i) => {
    const o = i * UPDATE_TENSOR_BYTES;
    table.setUint32(o, t.offset, true);
    table.setUint32(o + 4, t.length, true);
    table.setUint32(o + 8, t.group ?? 0, true);
    table.setUint32(o + 12, flag(t), true);
    values(t).forEach((x, k) => table.setFloat32(o + 16 + 4 * k, x, true));
  });
  return table.buffer;
}

/** A gradient-norm clip: finite and >= 0 (0 turns clipping off). */
export function checkClip(clip: number, label: string): number {
  if (!(Number.isFinite(clip) && clip >= 0)) {
    throw new Error(`${label}: clip must be >= 0, got ${clip}`);
  }
  return clip;
}

export interface TableUpdateArgs<T extends UpdateTableTensor> {
  kernel: KernelSource;
  variant: GroupStatsVariant;
  grads: GpuTensor;
  /** The update's buffers, bound from 1 in this order (params and grads first). */
  buffers: readonly GpuTensor[];
  tensors: readonly T[];
  /** updateTableBytes of the tensors, bound after the buffers, then the chunks and the stats. */
  table: ArrayBuffer;
  groups?: number;
  chunkSize?: number;
  label: string;
}

export interface TableUpdate extends PreparedOp {
  /** The gradient statistics pass encoded before the update (norms, flags, flagged counts). */
  readonly gradStats: GroupStatsOp;
  /** The kernel's Params, written by the optimizer (each step where they change). */
  readonly uniforms: UniformBlock;
  readonly numChunks: number;
}

/**
 * The gradient statistics over the tensors (reduce.wgsl), then `kernel`'s update in one dispatch
 * of a workgroup per chunk, which reads those statistics (norms, non-finite flags).
 */
export async function prepareTableUpdate<T extends UpdateTableTensor>(
  ctx: GpuContext,
  args: TableUpdateArgs<T>,
): Promise<TableUpdate> {
  const { label, table } = args;
  // The chunk table checks offsets, lengths and groups.
  const gradStats = await prepareGroupStats(ctx, {
    variant: args.variant,
    x: args.grads,
    segments: args.tensors.map((t) => ({
      offset: t.offset,
      length: t.length,
      group: t.group ?? 0,
    })),
    groups: args.groups,
    chunkSize: args.chunkSize,
    label: `${label}:grad-stats`,
  });
  const tableBuffer = ctx.pool.acquire(table.byteLength, STORAGE_USAGE, `${label}:tensors`);
  ctx.device.queue.writeBuffer(tableBuffer, 0, table);
  const pipeline = await ctx.pipelines.get(args.kernel, 'main');
  const uniforms = createUniformBlock(ctx, args.kernel, label);
  const numChunks = gradStats.table.numChunks;
  const n = args.buffers.length;
  const update = singleDispatchOp(ctx, {
    label: `${label} [${args.variant}]`,
    pipeline,
    entries: [
      { binding: 0, resource: { buffer: uniforms.buffer } },
      ...args.buffers.map((t, i) => ({ binding: i + 1, resource: bindingOf(t) })),
      { binding: n + 1, resource: { buffer: tableBuffer, size: table.byteLength } },
      { binding: n + 2, resource: bindingOf(gradStats.chunks) },
      { binding: n + 3, resource: bindingOf(gradStats.stats) },
    ],
    groups: flatGrid(ctx, numChunks, label),
    owned: [tableBuffer, uniforms.buffer],
  });
  return {
    label: `${label} [${args.variant}]`,
    gradStats,
    uniforms,
    numChunks,
    encode(pass) {
      gradStats.encode(pass);
      update.encode(pass);
    },
    release() {
      gradStats.release();
      update.release();
    },
  };
}
