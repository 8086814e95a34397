/**
 * Shared pieces of the kernel self-tests (src/ops/selftest.ts is the index): the test shape, the
 * error measure, and a scope that returns every tensor and prepared op to the pool.
 */
import {
  readTensor,
  releaseTensor,
  runOps,
  uploadTensor,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../../gpu';

/** One kernel's self-test: runs on small seeded data, returns its worst error / bound. */
export interface SelfTest {
  kernel: string;
  /** `variant`: force this kernel variant (kernels with variants only); default: the chooser's. */
  run(ctx: GpuContext, variant?: string): Promise<{ worstRatio: number; detail: string }>;
}

export { F32_EPS, pairwiseDepth } from '../errorBounds';

/** Worst |got - want| / bound over all elements (Infinity on NaN). */
export function worstRatio(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  bound: (i: number) => number,
): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const r = Math.abs(got[i] - want[i]) / bound(i);
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}

/** A check that must hold exactly (flags, bit patterns): ratio 0 if it does, Infinity if not. */
export const exact = (ok: boolean): number => (ok ? 0 : Infinity);

/** Largest |x|. */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/** The worst ratio over named parts of a self-test, and which part it was. */
export class Worst {
  ratio = 0;
  part = '';

  add(part: string, ratio: number): void {
    if (!(ratio <= this.ratio)) {
      this.ratio = Number.isNaN(ratio) ? Infinity : ratio;
      this.part = part;
    }
  }

  result(detail: string): { worstRatio: number; detail: string } {
    return {
      worstRatio: this.ratio,
      detail: this.part ? `${detail}; worst: ${this.part}` : detail,
    };
  }
}

/**
 * Owns the tensors and prepared ops of one self-test and releases them all, so the pool's bytes in
 * use return to where they were. Outputs start as NaN: an element a kernel fails to write then
 * fails the comparison, even when the pool hands back a buffer holding last run's right answer.
 */
export class SelfTestScope {
  private readonly tensors: GpuTensor[] = [];
  private readonly ops: PreparedOp[] = [];

  constructor(readonly ctx: GpuContext) {}

  upload(data: Float32Array | Uint32Array, label: string): GpuTensor {
    const t = uploadTensor(this.ctx, data, [data.length], `selftest ${label}`);
    this.tensors.push(t);
    return t;
  }

  /** An output tensor of n floats, filled with NaN. */
  output(n: number, label: string): GpuTensor {
    return this.upload(new Float32Array(n).fill(NaN), label);
  }

  async op<T extends PreparedOp>(prepared: Promise<T>): Promise<T> {
    const op = await prepared;
    this.ops.push(op);
    return op;
  }

  /** `op` for a wrapper that prepares several ops (e.g. a matmul and a separate pass). */
  async opList(prepared: Promise<PreparedOp[]>): Promise<PreparedOp[]> {
    const ops = await prepared;
    this.ops.push(...ops);
    return ops;
  }

  /** Encodes `ops` in one submission and waits for the GPU (runOps). */
  run(ops: readonly PreparedOp[], label: string): Promise<void> {
    return runOps(this.ctx, ops, label);
  }

  read(t: GpuTensor): Promise<Float32Array> {
    return readTensor(this.ctx, t);
  }

  release(): void {
    for (const op of this.ops.splice(0)) op.release();
    for (const t of this.tensors.splice(0)) releaseTensor(this.ctx, t);
  }
}

/** Runs `body` with a fresh scope and releases the scope whatever happens. */
export async function withScope<T>(
  ctx: GpuContext,
  body: (scope: SelfTestScope) => Promise<T>,
): Promise<T> {
  const scope = new SelfTestScope(ctx);
  try {
    return await body(scope);
  } finally {
    scope.release();
  }
}

/**
 * A self-test of `kernel` whose body runs in a fresh scope (released whatever happens) and adds
 * its parts' ratios to `worst`; it returns the detail line of the result.
 */
export function scopedSelfTest(
  kernel: string,
  body: (scope: SelfTestScope, worst: Worst, variant?: string) => Promise<string>,
): SelfTest {
  return {
    kernel,
    run: (ctx, variant) =>
      withScope(ctx, async (scope) => {
        const worst = new Worst();
        return worst.result(await body(scope, worst, variant));
      }),
  };
}
