import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Benchmarks only (never part of `npm test`): run by scripts/bench.mjs, one file at a time, with
// console output straight to the terminal and no time limit worth hitting.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['bench/**/*.bench.run.ts'],
    environment: 'node',
    fileParallelism: false,
    disableConsoleIntercept: true,
    testTimeout: 3 * 60 * 60 * 1000,
    hookTimeout: 10 * 60 * 1000,
  },
});
