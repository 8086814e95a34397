/**
 * Kernel self-tests: each kernel runs once on small seeded random data and is compared with its
 * float64 reference. The lab runs these on the user's adapter at start-up, so a broken driver
 * or a miscompiled kernel shows up before any sweep.
 */
import { readTensor, releaseTensor, runOps, uploadTensor, type GpuContext } from '../gpu';
import { matmulAbsScale, matmulRef } from '../reference/matmul';
import { Rng } from '../util/random';
import { prepareMatmul } from './matmul';

export interface SelfTestResult {
  kernel: string;
  passed: boolean;
  /** Worst error relative to its allowed bound (<= 1 passes). */
  worstRatio: number;
  millis: number;
  detail: string;
}

interface SelfTest {
  kernel: string;
  run(ctx: GpuContext): Promise<{ worstRatio: number; detail: string }>;
}

const F32_EPS = 2 ** -24;

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

const matmulSelfTest: SelfTest = {
  kernel: 'matmul',
  async run(ctx) {
    const rng = new Rng(7);
    let worst = 0;
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const shape = { m: 33, k: 70, n: 65, transA, transB };
      const a = rng.uniformArray(shape.m * shape.k);
      const b = rng.uniformArray(shape.k * shape.n);
      const ta = uploadTensor(ctx, a, [a.length], 'selftest A');
      const tb = uploadTensor(ctx, b, [b.length], 'selftest B');
      const tc = uploadTensor(ctx, new Float32Array(shape.m * shape.n), [shape.m * shape.n], 'C');
      const op = await prepareMatmul(ctx, { ...shape, a: ta, b: tb, c: tc });
      try {
        await runOps(ctx, [op]);
        const got = await readTensor(ctx, tc);
        const want = matmulRef(a, b, shape);
        const scale = matmulAbsScale(a, b, shape);
        const gamma = (shape.k * F32_EPS) / (1 - shape.k * F32_EPS);
        worst = Math.max(
          worst,
          worstRatio(got, want, (i) => gamma * scale[i] + 1e-30),
        );
      } finally {
        op.release();
        [ta, tb, tc].forEach((t) => releaseTensor(ctx, t));
      }
    }
    return { worstRatio: worst, detail: '33x70x65, plain and transposed operands' };
  },
};

export const SELF_TESTS: readonly SelfTest[] = [matmulSelfTest];
export const SELF_TEST_KERNELS: readonly string[] = SELF_TESTS.map((t) => t.kernel);

export async function runSelfTests(
  ctx: GpuContext,
  onResult?: (r: SelfTestResult) => void,
): Promise<SelfTestResult[]> {
  const results: SelfTestResult[] = [];
  for (const test of SELF_TESTS) {
    const start = performance.now();
    let result: SelfTestResult;
    try {
      const { worstRatio, detail } = await test.run(ctx);
      result = {
        kernel: test.kernel,
        passed: worstRatio <= 1,
        worstRatio,
        millis: performance.now() - start,
        detail,
      };
    } catch (e) {
      result = {
        kernel: test.kernel,
        passed: false,
        worstRatio: Infinity,
        millis: performance.now() - start,
        detail: (e as Error).message,
      };
    }
    results.push(result);
    onResult?.(result);
  }
  return results;
}
