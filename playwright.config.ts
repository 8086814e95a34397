import { defineConfig } from '@playwright/test';
import { chromiumPath, QUIET_FLAGS, WEBGPU_FLAGS } from './scripts/chromium.mjs';

/**
 * End-to-end tests in the system Chromium (never a downloaded browser), WebGPU on SwiftShader
 * where there is no GPU: the browser and its flags are in scripts/chromium.mjs.
 */

// E2E_PORT sets the port; by default each checkout gets its own (derived from its path), so
// that checkouts testing side by side on one machine never reuse each other's preview server.
const checkoutOffset = [...process.cwd()].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 0);
const PORT = Number(process.env.E2E_PORT ?? 4174 + checkoutOffset);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
  projects: [
    {
      name: 'webgpu',
      testIgnore: /no-webgpu/,
      use: {
        launchOptions: { executablePath: chromiumPath, args: [...QUIET_FLAGS, ...WEBGPU_FLAGS] },
      },
    },
    {
      // Same browser without the WebGPU flags: navigator.gpu exists but has no adapter.
      name: 'no-webgpu',
      testMatch: /no-webgpu/,
      use: { launchOptions: { executablePath: chromiumPath, args: QUIET_FLAGS } },
    },
  ],
});
