#!/usr/bin/env node
// Benchmarks: `npm run bench -- <suite> [--out FILE] [options]`, suite = kernels | train.
// Each suite is a Vitest file (bench/<suite>.bench.run.ts, config bench/vitest.config.ts), which
// gives it our TypeScript and `?raw` WGSL imports; the options travel as MUP_BENCH_* variables.
// Never part of `npm test`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['kernels', 'train', 'tune', 'ui'];

const USAGE = `usage: npm run bench -- <${SUITES.join('|')}> [--out FILE] [options]
  --out FILE        write the results as JSON to FILE (the table is always printed)
  --quick           a small subset of each section (a smoke run)
  --full            on a CPU adapter, also the width-512 MLP matmuls (slow: TF.js takes seconds)
  --only LIST       what to run, comma-separated (kernels: matmul,attention,adamw,reductions; train: widths, e.g. 64,128)
  --all-variants    also time the matmul and attention variants the adapter would not pick
  --variants LIST   like --all-variants, only these matmul variants, comma-separated (e.g. direct,quad)
  --stacks LIST     train: stack sizes K, comma-separated (default 1,4,8)
  --force K=V       tune: no tuning; time the thresholds' step against one with variant V of kernel K forced
  --no-tfjs         skip the TensorFlow.js comparison
  --no-jaxjs        skip the jax-js comparison
  --min-sample-ms N repeat fast ops within a sample until it lasts N ms (default 20)
  ui: the built page in Chromium (run \`npm run build\` first); MUP_BENCH_UI_SWEEP_S,
      MUP_BENCH_UI_FLOOD_S, MUP_BENCH_UI_RATE set its durations and the flood's runs a second`;

function fail(message) {
  console.error(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

const args = process.argv.slice(2);
let suite;
const env = { ...process.env };
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const value = () => {
    const v = args[++i];
    if (v === undefined || v.startsWith('--')) fail(`${arg} needs a value`);
    return v;
  };
  if (arg === '--out') env.MUP_BENCH_OUT = resolve(value());
  else if (arg.startsWith('--out=')) env.MUP_BENCH_OUT = resolve(arg.slice('--out='.length));
  else if (arg === '--quick') env.MUP_BENCH_QUICK = '1';
  else if (arg === '--full') env.MUP_BENCH_FULL = '1';
  else if (arg === '--only') env.MUP_BENCH_ONLY = value();
  else if (arg === '--stacks') env.MUP_BENCH_STACKS = value();
  else if (arg === '--all-variants') env.MUP_BENCH_ALL_VARIANTS = '1';
  else if (arg === '--force') env.MUP_BENCH_FORCE = value();
  else if (arg === '--variants') env.MUP_BENCH_VARIANTS = value();
  else if (arg === '--no-tfjs') env.MUP_BENCH_NO_TFJS = '1';
  else if (arg === '--no-jaxjs') env.MUP_BENCH_NO_JAXJS = '1';
  else if (arg === '--browser') env.MUP_BENCH_BROWSER = '1';
  else if (arg === '--min-sample-ms') {
    const v = value();
    if (!(Number(v) > 0)) fail(`--min-sample-ms needs a positive number, got ${v}`);
    env.MUP_BENCH_MIN_SAMPLE_MS = v;
  } else if (arg === '--help' || arg === '-h') {
    console.log(USAGE);
    process.exit(0);
  } else if (arg.startsWith('-')) fail(`unknown option ${arg}`);
  else if (suite === undefined) suite = arg;
  else fail(`unexpected argument ${arg}`);
}
if (suite === undefined) fail('which suite?');
if (!SUITES.includes(suite)) fail(`unknown suite "${suite}"`);
if (suite === 'ui') {
  // Playwright on the built page (bench/ui.bench.spec.ts), not Vitest.
  if (!existsSync(join(root, 'dist', 'app', 'index.html')))
    fail('no built page: run `npm run build` first');
  env.MUP_BENCH_OUT ??= resolve(
    root,
    'bench-results',
    `ui-${new Date().toISOString().slice(0, 10)}.json`,
  );
  const playwright = join(root, 'node_modules', '@playwright', 'test', 'cli.js');
  const child = spawn(
    process.execPath,
    [playwright, 'test', '--config', join('bench', 'playwright.ui.config.ts')],
    { cwd: root, env, stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
} else runVitest();

function runVitest() {
  const file = join('bench', `${suite}.bench.run.ts`);
  if (!existsSync(join(root, file))) {
    console.error(`bench: the ${suite} benchmark (${file}) is not written yet`);
    process.exit(1);
  }

  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const child = spawn(
    process.execPath,
    [vitest, 'run', '--config', join('bench', 'vitest.config.ts'), file],
    { cwd: root, env, stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}
