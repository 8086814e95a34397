import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The training benchmark's page (bench/web), served by Vite's dev server for
 * bench/train-browser.ts. Not part of the app's build (vite.config.ts builds index.html at the
 * repository root only). The peers are pre-bundled up front so that the dev server never reloads
 * the page mid-run on discovering them.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  server: { host: '127.0.0.1', fs: { allow: [root] } },
  optimizeDeps: {
    include: [
      '@jax-js/jax',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-webgpu',
    ],
  },
  logLevel: 'warn',
});
