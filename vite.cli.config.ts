import { defineConfig } from 'vite';

// The headless CLI: one Node ES module in dist/cli, WGSL inlined, node_modules left external.
export default defineConfig({
  build: {
    ssr: 'src/cli/bin.ts',
    outDir: 'dist/cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'mup-lab.js', format: 'es' } },
  },
});
