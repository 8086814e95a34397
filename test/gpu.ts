/** Shared helpers for kernel tests: one Dawn device per test file, and error measures. */
import { afterAll, beforeAll, expect } from 'vitest';
import { acquireNodeGpu } from '../src/gpu/node';
import {
  createTensor,
  releaseGpu,
  releaseTensor,
  uploadTensor,
  type AcquireOptions,
  type GpuContext,
  type GpuTensor,
} from '../src/gpu';

/** Acquires a device before the file's tests and releases it after. */
export function useGpu(options?: AcquireOptions): () => GpuContext {
  let ctx: GpuContext | undefined;
  beforeAll(async () => {
    ctx = await acquireNodeGpu(options);
  });
  afterAll(() => {
    if (ctx) releaseGpu(ctx);
  });
  return () => {
    if (!ctx) throw new Error('GPU not acquired yet');
    return ctx;
  };
}

/** Unit roundoff of float32. */
export const F32_EPS = 2 ** -24;

export interface ErrorReport {
  maxAbs: number;
  /** max |got - want| / bound, per element; must stay <= 1. */
  worstRatio: number;
  worstIndex: number;
}

/** Compares element-wise against per-element bounds (a scalar bound applies to all). */
export function compareWithin(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  bound: ArrayLike<number> | number,
): ErrorReport {
  if (got.length < want.length) throw new Error(`got ${got.length} values, want ${want.length}`);
  let maxAbs = 0;
  let worstRatio = 0;
  let worstIndex = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const b = typeof bound === 'number' ? bound : bound[i];
    const ratio = Number.isNaN(err) ? Infinity : err / Math.max(b, Number.MIN_VALUE);
    if (err > maxAbs || Number.isNaN(err)) maxAbs = Number.isNaN(err) ? Infinity : err;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worstIndex = i;
    }
  }
  return { maxAbs, worstRatio, worstIndex };
}

/** Fails the test, naming `what`, the worst element and its error, unless every element is within its bound. */
export function expectWithin(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  bound: ArrayLike<number> | number,
  what: string,
): void {
  const r = compareWithin(got, want, bound);
  expect(r.worstRatio, `${what}: worst at ${r.worstIndex}, abs err ${r.maxAbs}`).toBeLessThan(1);
}

/** Root-mean-square error of got vs want, relative to the RMS of want. */
export function relativeRms(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, Number.MIN_VALUE));
}

/** Tensors a test uploads or creates, released together. */
export class TensorScope {
  private readonly all: GpuTensor[] = [];
  constructor(private readonly ctx: GpuContext) {}
  up(data: Float32Array, label: string): GpuTensor {
    const t = uploadTensor(this.ctx, data, [data.length], label);
    this.all.push(t);
    return t;
  }
  empty(n: number, label: string): GpuTensor {
    const t = createTensor(this.ctx, [n], 'f32', label);
    this.all.push(t);
    return t;
  }
  release(): void {
    for (const t of this.all.splice(0)) releaseTensor(this.ctx, t);
  }
}
