#!/usr/bin/env node
// The Python tests (python/tests, part of `npm test`): builds the CLI, lets it write what the
// tests compare against into python/.generated (never committed): golden transfer() tables
// (`mup-lab golden`), GPU runs for the parity test (`mup-lab dump`), a tiny sweep's export, Tiny
// Shakespeare's split and first batches (`mup-lab batches`), the Tiny and Quick presets' plans
// (`mup-lab plan`) and the lab's Tiny sweeps (AdamW, SGD), and the JSON Schemas python/mup_lab
// validates exports and plans with and the parametrization table its rules read
// (scripts/python-schemas.ts), then runs pytest.
// The interpreter: $PYTHON if set, else the first of `python3` on PATH and /usr/bin/python3
// that can `import torch, pytest`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const generated = join(root, 'python', '.generated');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(
      `python-tests: ${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`,
    );
    process.exit(1);
  }
}

function findPython() {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, pytest'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  console.error(
    `python-tests: no Python with torch and pytest (tried ${candidates.join(', ')}). ` +
      'Install them (Debian: apt-get install python3-torch python3-pytest) or set PYTHON.',
  );
  process.exit(1);
}

const python = findPython();
const node = process.execPath;
const cli = join(root, 'dist', 'cli', 'mup-lab.js');
run(node, [
  join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
  'build',
  '-c',
  'vite.cli.config.ts',
  '--logLevel',
  'warn',
]);
// The export's and the plan's JSON Schemas, generated from the zod schemas, and the
// parametrization table, where mup_lab finds them (python/mup_lab/schemas, gitignored).
run(node, [
  join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
  join(root, 'scripts', 'python-schemas.ts'),
]);
rmSync(generated, { recursive: true, force: true });
mkdirSync(generated, { recursive: true });
run(node, [cli, 'golden', '--out', join(generated, 'golden.json')]);
// SP and µP, widths 32 and 64, depth 2 (base depth 1, depth-µP on), tied and untied, biases on
// and off: 20 AdamW steps each with clipping (clip 0.25 acts at every step here).
run(node, [cli, 'dump', '--out', join(generated, 'dump'), '--steps', '20']);
// Muon (SP- and µP-Muon, widths 32 and 64, untied, biases on; suffix _muon): 20 steps each.
run(node, [
  cli,
  'dump',
  '--out',
  join(generated, 'dump-muon'),
  '--steps',
  '20',
  '--optimizer',
  'muon',
  '--tied',
  'false',
  '--biases',
  'true',
]);
// SGD with momentum and decoupled weight decay, SP and µP at widths 32 and 64 (suffix _sgd).
run(node, [
  cli,
  'dump',
  '--out',
  join(generated, 'dump'),
  '--steps',
  '20',
  '--optimizer',
  'sgd',
  '--lr',
  '0.2',
  '--momentum',
  '0.8',
  '--weight-decay',
  '0.1',
  '--tied',
  'false',
  '--biases',
  'true',
]);
run(node, [
  cli,
  'sweep',
  '--widths',
  '16,32',
  '--lr-log2=-8:-6:2',
  '--steps',
  '3',
  '--batch',
  '4',
  '--context',
  '16',
  '--depth',
  '1',
  '--heads',
  '4',
  '--parametrization',
  'mup',
  '--no-tune',
  '--out',
  join(generated, 'export.json'),
]);
// Tiny Shakespeare's split and first batches as the lab draws them (python/tests/test_data.py).
run(node, [
  cli,
  'batches',
  '--corpus',
  'shakespeare',
  '--context',
  '16',
  '--batch',
  '4',
  '--seed',
  '3',
  '--count',
  '2',
  '--out',
  join(generated, 'shakespeare-batches.json'),
]);
// The presets as plans for python -m mup_lab.sweep, and the lab's own Tiny sweep to compare
// (84 runs each, one to three minutes on a CPU adapter).
run(node, [cli, 'plan', '--preset', 'quick', '--out', join(generated, 'quick-plan.json')]);
// Tiny with AdamW, SGD and Muon, each planned and swept by the lab (Muon's sweep: 2 to 4 min).
for (const name of ['tiny', 'tiny-sgd', 'tiny-muon']) {
  run(node, [cli, 'plan', '--preset', name, '--out', join(generated, `${name}-plan.json`)]);
  run(node, [
    cli,
    'sweep',
    '--preset',
    name,
    '--no-tune',
    '--out',
    join(generated, `${name}-lab.json`),
  ]);
}
run(python, ['-m', 'pytest', 'python/tests', '-q', '-p', 'no:cacheprovider', '-rA', '--tb=short'], {
  env: { ...process.env, MUP_LAB_GENERATED: generated, PYTHONDONTWRITEBYTECODE: '1' },
});
