import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One config for the app build, the dev server and Vitest (unit tests in Node on Dawn).
export default defineConfig({
  plugins: [react()],
  base: './',
  worker: { format: 'es' },
  // The app and the CLI (vite.cli.config.ts) build side by side: dist/app and dist/cli.
  build: { outDir: 'dist/app', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    // SwiftShader runs WGSL on the CPU threads: one test file at a time keeps timings sane.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
