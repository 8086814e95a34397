/**
 * Kernel self-tests: each kernel runs once on small seeded random data (shapes that are no
 * multiple of the tile sizes) and is compared with its float64 reference, element by element,
 * against the error bound its unit test derives (src/ops/<op>.test.ts). The lab runs these on
 * the user's adapter at start-up, so a broken driver or a miscompiled kernel shows up before any
 * sweep. One module per kernel in src/ops/selftest/; the whole set takes ~1 s on SwiftShader.
 */
import { PipelineCache, type GpuContext, type KernelSource, type OverrideConstants } from '../gpu';
import { adamwSelfTest } from './selftest/adamw';
import { attentionSelfTest } from './selftest/attention';
import type { SelfTest } from './selftest/common';
import { crossEntropySelfTest } from './selftest/cross_entropy';
import { embeddingSelfTest } from './selftest/embedding';
import { geluSelfTest } from './selftest/gelu';
import { layernormSelfTest } from './selftest/layernorm';
import { matmulSelfTest } from './selftest/matmul';
import { matmulGeluSelfTest } from './selftest/matmulGelu';
import { newtonSchulzSelfTest } from './selftest/newtonSchulz';
import { reduceSelfTest } from './selftest/reduce';
import { residualSelfTest } from './selftest/residual';
import { residualLayernormSelfTest } from './selftest/residualLayernorm';
import { sgdSelfTest } from './selftest/sgd';
import { SELF_TEST_KERNELS } from './selftestKernels';

export { worstRatio, type SelfTest } from './selftest/common';

export interface SelfTestResult {
  kernel: string;
  passed: boolean;
  /** Worst error relative to its allowed bound (<= 1 passes). */
  worstRatio: number;
  millis: number;
  detail: string;
}

export const SELF_TESTS: readonly SelfTest[] = [
  matmulSelfTest,
  attentionSelfTest,
  layernormSelfTest,
  geluSelfTest,
  matmulGeluSelfTest,
  residualSelfTest,
  residualLayernormSelfTest,
  embeddingSelfTest,
  crossEntropySelfTest,
  reduceSelfTest,
  adamwSelfTest,
  newtonSchulzSelfTest,
  sgdSelfTest,
];
export { SELF_TEST_KERNELS };
if (SELF_TESTS.map((t) => t.kernel).join() !== SELF_TEST_KERNELS.join()) {
  throw new Error('src/ops/selftestKernels.ts does not list the self-tests of SELF_TESTS in order');
}

export interface SelfTestOptions {
  /** Run only these kernels' self-tests (names from SELF_TEST_KERNELS). Default: all. */
  kernels?: readonly string[];
  /**
   * WGSL sources used instead of the shipped ones, matched by kernel name (e.g. 'gelu'), through a
   * pipeline cache of their own: to check that the self-test catches a broken kernel.
   */
  overrides?: readonly KernelSource[];
  /** Force this variant of the one kernel named in `kernels` (the tuner checks each candidate). */
  variant?: string;
}

/** A pipeline cache that compiles `overrides` in place of the kernels of the same name. */
class OverridingPipelineCache extends PipelineCache {
  constructor(
    ctx: GpuContext,
    private readonly overrides: ReadonlyMap<string, KernelSource>,
  ) {
    super(ctx.device);
  }

  override get(
    kernel: KernelSource,
    entryPoint: string,
    constants?: OverrideConstants,
  ): Promise<GPUComputePipeline> {
    return super.get(this.overrides.get(kernel.name) ?? kernel, entryPoint, constants);
  }
}

/** `ctx` with `overrides` compiled in place of the shipped kernels of the same names. */
export function withKernelOverrides(
  ctx: GpuContext,
  overrides: readonly KernelSource[],
): GpuContext {
  if (overrides.length === 0) return ctx;
  return {
    ...ctx,
    pipelines: new OverridingPipelineCache(ctx, new Map(overrides.map((k) => [k.name, k]))),
  };
}

export async function runSelfTests(
  ctx: GpuContext,
  onResult?: (r: SelfTestResult) => void,
  options: SelfTestOptions = {},
): Promise<SelfTestResult[]> {
  const unknown = (options.kernels ?? []).filter(
    (k) => !(SELF_TEST_KERNELS as readonly string[]).includes(k),
  );
  if (unknown.length > 0) throw new Error(`runSelfTests: no self-test for ${unknown.join(', ')}`);
  const tests = options.kernels
    ? SELF_TESTS.filter((t) => options.kernels?.includes(t.kernel))
    : SELF_TESTS;
  if (options.variant !== undefined && tests.length !== 1) {
    throw new Error('runSelfTests: a variant needs exactly one kernel');
  }
  const testCtx = withKernelOverrides(ctx, options.overrides ?? []);
  const results: SelfTestResult[] = [];
  for (const test of tests) {
    const result = await runSelfTest(testCtx, test, options.variant);
    results.push(result);
    onResult?.(result);
  }
  return results;
}

/** Runs one self-test (`variant` forced where given); a throw is a failed result, not an error. */
export async function runSelfTest(
  ctx: GpuContext,
  test: SelfTest,
  variant?: string,
): Promise<SelfTestResult> {
  const start = performance.now();
  try {
    const { worstRatio, detail } = await test.run(ctx, variant);
    return {
      kernel: test.kernel,
      passed: worstRatio <= 1,
      worstRatio,
      millis: performance.now() - start,
      detail,
    };
  } catch (e) {
    return {
      kernel: test.kernel,
      passed: false,
      worstRatio: Infinity,
      millis: performance.now() - start,
      detail: (e as Error).message,
    };
  }
}
