/**
 * Vitest entry of `npm run bench -- kernels` (see scripts/bench.mjs and bench/vitest.config.ts).
 * Vitest is only the loader here: it gives the bench our TypeScript and `?raw` WGSL imports.
 */
import { it } from 'vitest';
import { optionsFromEnv, runKernelBench } from './kernels';

it('kernel benchmarks', async () => {
  await runKernelBench(optionsFromEnv());
});
