/**
 * The UI benchmark (`npm run bench -- ui`): the e2e settings (system Chromium, the SwiftShader
 * WebGPU flags, the built page served by vite preview) with bench/ui.bench.spec.ts as the test.
 */
import { defineConfig } from '@playwright/test';
import e2e from '../playwright.config';

const webgpu = e2e.projects?.find((p) => p.name === 'webgpu');

export default defineConfig({
  ...e2e,
  testDir: '.',
  testMatch: /ui\.bench\.spec\.ts$/,
  outputDir: '../test-results/bench-ui',
  timeout: 900_000,
  webServer: { ...(e2e.webServer as object), cwd: '..' } as typeof e2e.webServer,
  projects: webgpu ? [{ ...webgpu, testIgnore: undefined }] : [],
});
