/**
 * A tensor is a typed view of (part of) a pooled GPU buffer. Offsets are in bytes and respect
 * minStorageBufferOffsetAlignment, so several tensors (e.g. all parameters, for one AdamW
 * dispatch) can live in one buffer and still be bound one by one.
 */
import type { GpuContext } from './device';
import { BufferUsage, MapMode } from './constants';

export type DType = 'f32' | 'u32';

export interface GpuTensor {
  buffer: GPUBuffer;
  /** Byte offset into `buffer`. */
  offset: number;
  /** Number of 4-byte elements. */
  length: number;
  shape: readonly number[];
  dtype: DType;
}

export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Allocates an (uninitialised) tensor from the pool. */
export function createTensor(
  ctx: GpuContext,
  shape: readonly number[],
  dtype: DType = 'f32',
  label = 'tensor',
): GpuTensor {
  const length = sizeOf(shape);
  const buffer = ctx.pool.acquire(length * 4, STORAGE_USAGE, label);
  return { buffer, offset: 0, length, shape: [...shape], dtype };
}

/** Allocates a tensor and fills it with `data`. */
export function uploadTensor(
  ctx: GpuContext,
  data: Float32Array | Uint32Array | Int32Array,
  shape: readonly number[],
  label = 'tensor',
): GpuTensor {
  if (data.length !== sizeOf(shape)) {
    throw new Error(
      `uploadTensor(${label}): ${data.length} values for shape [${shape.join(', ')}]`,
    );
  }
  const dtype: DType = data instanceof Float32Array ? 'f32' : 'u32';
  const t = createTensor(ctx, shape, dtype, label);
  writeTensor(ctx, t, data);
  return t;
}

export function writeTensor(
  ctx: GpuContext,
  t: GpuTensor,
  data: Float32Array | Uint32Array | Int32Array,
): void {
  ctx.device.queue.writeBuffer(t.buffer, t.offset, data.buffer, data.byteOffset, data.byteLength);
}

export function releaseTensor(ctx: GpuContext, t: GpuTensor): void {
  if (t.offset !== 0) throw new Error('releaseTensor: a view into a shared buffer is not owned');
  ctx.pool.release(t.buffer);
}

/** The binding resource for a tensor (its byte range). */
export function bindingOf(t: GpuTensor): GPUBufferBinding {
  return { buffer: t.buffer, offset: t.offset, size: Math.max(4, t.length * 4) };
}

/** Copies a tensor back to the CPU. Awaits the GPU: use sparingly (not every step). */
export async function readTensor(ctx: GpuContext, t: GpuTensor): Promise<Float32Array> {
  const bytes = await readBytes(ctx, t.buffer, t.offset, t.length * 4);
  return new Float32Array(bytes);
}

export async function readTensorU32(ctx: GpuContext, t: GpuTensor): Promise<Uint32Array> {
  const bytes = await readBytes(ctx, t.buffer, t.offset, t.length * 4);
  return new Uint32Array(bytes);
}

export async function readBytes(
  ctx: GpuContext,
  buffer: GPUBuffer,
  offset: number,
  size: number,
): Promise<ArrayBuffer> {
  const staging = ctx.pool.acquire(size, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'readback');
  try {
    const encoder = ctx.device.createCommandEncoder({ label: 'readback' });
    encoder.copyBufferToBuffer(buffer, offset, staging, 0, Math.ceil(size / 4) * 4);
    ctx.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(MapMode.READ, 0, staging.size);
    const copy = staging.getMappedRange(0, size).slice(0);
    staging.unmap();
    return copy;
  } finally {
    ctx.pool.release(staging);
  }
}

/**
 * A view of `length` elements of `base` starting at element `start`. The byte offset must
 * respect the storage binding alignment (64 floats on every adapter seen so far).
 */
export function viewOf(
  base: GpuTensor,
  start: number,
  shape: readonly number[],
  alignment = 256,
): GpuTensor {
  const length = sizeOf(shape);
  const offset = base.offset + start * 4;
  if (offset % alignment !== 0) {
    throw new Error(`viewOf: byte offset ${offset} is not a multiple of ${alignment}`);
  }
  if (start < 0 || start + length > base.length) {
    throw new Error(`viewOf: [${start}, ${start + length}) is outside a tensor of ${base.length}`);
  }
  return { buffer: base.buffer, offset, length, shape: [...shape], dtype: base.dtype };
}
