/**
 * Buffer pool: buffers are allocated once per run and reused by (size, usage). A training step
 * only acquires what an earlier step released, so it never allocates. `bytesAllocated` is the
 * GPU memory the pool holds (in use or free); tests read it to catch leaks.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly inUse = new Set<GPUBuffer>();
  private allocated = 0;
  private allocations = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Bytes of GPU memory held by the pool (in use plus free). */
  get bytesAllocated(): number {
    return this.allocated;
  }

  /** Bytes of the buffers handed out and not yet released. */
  get bytesInUse(): number {
    let total = 0;
    for (const b of this.inUse) total += b.size;
    return total;
  }

  /** How many buffers were ever created (a test can assert a step creates none). */
  get allocationCount(): number {
    return this.allocations;
  }

  acquire(size: number, usage: GPUBufferUsageFlags, label = 'pooled'): GPUBuffer {
    // Sizes are rounded up to 16 bytes: the granularity of buffer copies and vec4 loads.
    const bytes = Math.max(16, Math.ceil(size / 16) * 16);
    const key = `${bytes}:${usage}`;
    const reused = this.free.get(key)?.pop();
    if (reused) {
      this.inUse.add(reused);
      return reused;
    }
    const buffer = this.device.createBuffer({ size: bytes, usage, label });
    this.allocated += bytes;
    this.allocations += 1;
    this.inUse.add(buffer);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    if (!this.inUse.delete(buffer)) {
      throw new Error(`BufferPool.release: buffer "${buffer.label}" is not in use by this pool`);
    }
    const key = `${buffer.size}:${buffer.usage}`;
    const list = this.free.get(key);
    if (list) list.push(buffer);
    else this.free.set(key, [buffer]);
  }

  /** Destroys the free buffers, returning their memory to the device. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.allocated -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }

  /** Destroys every buffer, in use or free. */
  destroyAll(): void {
    this.trim();
    for (const b of this.inUse) {
      this.allocated -= b.size;
      b.destroy();
    }
    this.inUse.clear();
  }
}
