/**
 * Vitest entry of `npm run bench -- tune` (see scripts/bench.mjs and bench/vitest.config.ts).
 * Vitest is only the loader here: it gives the bench our TypeScript and `?raw` WGSL imports.
 */
import { it } from 'vitest';
import { runTuneBench, tuneOptionsFromEnv } from './tune';

it('tuned against thresholds variants benchmark', async () => {
  await runTuneBench(tuneOptionsFromEnv());
});
