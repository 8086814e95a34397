import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { acquireNodeGpu } from './node';
import {
  BufferUsage,
  DeviceLostError,
  GpuKernelError,
  adapterLabel,
  createTensor,
  readTensor,
  releaseGpu,
  releaseTensor,
  uploadTensor,
  withErrorScopes,
} from './index';
import { BufferPool } from './pool';

const gpu = useGpu();

describe('device acquisition', () => {
  it('reports the adapter, the granted limits and the optional features', () => {
    const ctx = gpu();
    expect(adapterLabel(ctx.adapter)).not.toBe('unknown adapter');
    expect(ctx.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(ctx.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    expect(ctx.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
    // Whatever the adapter offers of the optional features is what the device has.
    expect(typeof ctx.features.subgroups).toBe('boolean');
    expect(ctx.device.features.has('subgroups')).toBe(ctx.features.subgroups);
    if (ctx.features.subgroups) expect(ctx.features.subgroupMinSize).toBeGreaterThanOrEqual(1);
    if (ctx.adapter.architecture === 'swiftshader') {
      // Its adapter has subgroups (4 lanes), so the device must have been given them.
      expect(ctx.features.subgroups).toBe(true);
      expect(ctx.features.subgroupMinSize).toBe(4);
    }
  });

  it('can leave optional features off, so the paths without them are testable', async () => {
    const ctx = await acquireNodeGpu({ disableFeatures: ['subgroups', 'timestampQuery'] });
    expect(ctx.features.subgroups).toBe(false);
    expect(ctx.features.subgroupMinSize).toBe(0);
    expect(ctx.device.features.has('subgroups')).toBe(false);
    expect(ctx.features.timestampQuery).toBe(false);
    releaseGpu(ctx);
  });

  it('reports device loss through the callback, and not after an explicit destroy', async () => {
    const lost: DeviceLostError[] = [];
    const ctx = await acquireNodeGpu({ onDeviceLost: (e) => lost.push(e) });
    ctx.device.destroy();
    const error = await ctx.lost;
    expect(error).toBeInstanceOf(DeviceLostError);
    expect(error.reason).toBe('destroyed');
    expect(lost).toEqual([]); // destroy() is deliberate: nothing to report
  });
});

describe('buffer pool', () => {
  it('reuses released buffers by size and usage, and counts bytes', () => {
    const ctx = gpu();
    const pool = new BufferPool(ctx.device);
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST;
    const a = pool.acquire(1000, usage);
    expect(a.size).toBe(1008); // rounded up to 16 bytes
    expect(pool.bytesAllocated).toBe(1008);
    expect(pool.bytesInUse).toBe(1008);
    pool.release(a);
    expect(pool.bytesInUse).toBe(0);
    const b = pool.acquire(1000, usage);
    expect(b).toBe(a);
    expect(pool.allocationCount).toBe(1);
    const c = pool.acquire(1000, BufferUsage.STORAGE | BufferUsage.COPY_SRC);
    expect(c).not.toBe(a);
    expect(pool.bytesAllocated).toBe(2016);
    expect(() => pool.release(a)).not.toThrow();
    expect(() => pool.release(a)).toThrow(/not in use/);
    pool.release(c);
    pool.trim();
    expect(pool.bytesAllocated).toBe(0);
  });

  it('round-trips tensors and returns to its starting byte count', async () => {
    const ctx = gpu();
    const start = ctx.pool.bytesAllocated;
    const data = Float32Array.from({ length: 33 }, (_, i) => i * 0.5 - 3);
    const t = uploadTensor(ctx, data, [3, 11]);
    expect(Array.from(await readTensor(ctx, t))).toEqual(Array.from(data));
    releaseTensor(ctx, t);
    const again = createTensor(ctx, [3, 11]);
    expect(again.buffer).toBe(t.buffer);
    releaseTensor(ctx, again);
    ctx.pool.trim();
    expect(ctx.pool.bytesAllocated).toBe(start);
  });
});

describe('pipeline cache and error scopes', () => {
  const kernel = {
    name: 'fill',
    code: `override VALUE: f32 = 1.0;
      @group(0) @binding(0) var<storage, read_write> out: array<f32>;
      @compute @workgroup_size(1) fn main() { out[0] = VALUE; }`,
  };

  it('caches one pipeline per kernel, entry point and constants', async () => {
    const ctx = gpu();
    const before = ctx.pipelines.size;
    const p1 = await ctx.pipelines.get(kernel, 'main', { VALUE: 2 });
    const p2 = await ctx.pipelines.get(kernel, 'main', { VALUE: 2 });
    const p3 = await ctx.pipelines.get(kernel, 'main', { VALUE: 3 });
    expect(p2).toBe(p1);
    expect(p3).not.toBe(p1);
    expect(ctx.pipelines.size).toBe(before + 2);
  });

  it('turns a WGSL compilation error into an error naming the kernel and line', async () => {
    const ctx = gpu();
    const broken = {
      name: 'broken',
      code: '@compute @workgroup_size(1)\nfn main() { let x: f32 = ; }',
    };
    const error = await ctx.pipelines.get(broken, 'main').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuKernelError);
    expect((error as GpuKernelError).message).toMatch(/kernel "broken".*line 2/);
  });

  it('turns a validation error into a thrown error naming the kernel', async () => {
    const ctx = gpu();
    const error = await withErrorScopes(ctx.device, 'bad-buffer', () =>
      // A mappable buffer may not also be a storage buffer: a validation error.
      ctx.device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.STORAGE }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuKernelError);
    expect((error as GpuKernelError).kind).toBe('validation');
    expect((error as GpuKernelError).message).toContain('bad-buffer');
  });

  it('turns an impossible allocation into an out-of-memory or validation error', async () => {
    const ctx = gpu();
    const error = await withErrorScopes(ctx.device, 'huge', () =>
      ctx.device.createBuffer({ size: ctx.limits.maxBufferSize + 4, usage: BufferUsage.STORAGE }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuKernelError);
    expect((error as GpuKernelError).message).toContain('huge');
  });
});
