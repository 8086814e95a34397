#!/usr/bin/env node
// Writes public/example-result.json, the page's built-in example ("Explore an example result"):
// a real sweep of the Tiny preset by the CLI (`mup-lab sweep --preset tiny`, the GPU engine on
// this machine's adapter), its export as the page's Export JSON writes it. Builds the CLI first.
// test/exampleResult.test.ts checks the file: it parses with parseImport, is the current Tiny
// preset, and its analysis re-derives from its runs. Run again after Tiny or the engine changes:
//   node scripts/make-example.mjs        (npm run example)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAtomically } from './atomic.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'public', 'example-result.json');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(
      `make-example: ${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`,
    );
    process.exit(1);
  }
}

const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
run(process.execPath, [vite, 'build', '-c', 'vite.cli.config.ts', '--logLevel', 'warn']);
const dir = mkdtempSync(join(tmpdir(), 'mup-example-'));
try {
  const sweep = join(dir, 'sweep.json');
  const started = Date.now();
  run(process.execPath, [
    join(root, 'dist', 'cli', 'mup-lab.js'),
    'sweep',
    '--preset',
    'tiny',
    '--out',
    sweep,
  ]);
  const seconds = (Date.now() - started) / 1000;
  const doc = JSON.parse(readFileSync(sweep, 'utf8'));
  // One line: the file is data, not for reading (the page and parseImport read it).
  writeAtomically(out, JSON.stringify(doc) + '\n');
  const kb = (readFileSync(out).length / 1024).toFixed(0);
  console.error(
    `make-example: wrote ${out} (${doc.evidence.runs.length} runs, ${kb} kB; the sweep took ${seconds.toFixed(0)} s on ${doc.environment.adapter})`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
