/**
 * Vitest entry of `npm run bench -- train` (see scripts/bench.mjs and bench/vitest.config.ts).
 * Vitest is only the loader here: it gives the bench our TypeScript and `?raw` WGSL imports.
 */
import { it } from 'vitest';
import { runTrainBench, trainOptionsFromEnv } from './train';

it('training step benchmark', async () => {
  await runTrainBench(trainOptionsFromEnv());
});
