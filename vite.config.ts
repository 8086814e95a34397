import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

/**
 * The Content-Security-Policy of the built app, as a <meta> (any static host) and a preview
 * header: scripts and workers only
 * from this origin (no inline script, no eval), network only to this origin. The header adds
 * frame-ancestors, which a <meta> cannot carry. Styles need 'unsafe-inline': recharts and the
 * chart PNG export apply inline style attributes (blocked with style-src 'self' alone).
 */
const CSP_META = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const CSP = `${CSP_META}; frame-ancestors 'none'`;

/** Build only: the dev server's React refresh preamble is an inline script. */
const cspMeta: Plugin = {
  name: 'csp-meta',
  apply: 'build',
  transformIndexHtml: () => [
    {
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP_META },
      injectTo: 'head-prepend',
    },
  ],
};

// One config for the app build, the dev server and Vitest (unit tests in Node on Dawn).
export default defineConfig({
  plugins: [react(), cspMeta],
  base: './',
  worker: { format: 'es' },
  // The app and the CLI (vite.cli.config.ts) build side by side: dist/app and dist/cli.
  build: { outDir: 'dist/app', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1', headers: { 'Content-Security-Policy': CSP } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    // SwiftShader runs WGSL on the CPU threads: one test file at a time keeps timings sane.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
