#!/usr/bin/env node
// `npx mup-lab`: runs the CLI built by `npm run build` (dist/cli/mup-lab.js).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/mup-lab.js', import.meta.url));
if (!existsSync(built)) {
  console.error('mup-lab: the CLI is not built yet; run `npm run build` first.');
  process.exit(2);
}
await import(built);
