/**
 * Faults under each file the CLI writes (the built CLI, in a subprocess): a full disk, as a file
 * size limit (RLIMIT_FSIZE through prlimit), leaves the previous file intact with one line, and
 * kill -9 in the middle of a write leaves it intact too. SwiftShader needs to grow files of its
 * own while it compiles kernels, so the GPU commands get the limit once their kernels are built
 * (after the first run, whose shapes the later ones reuse) and before they write.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { preset } from '../../src/sweep/config';
import { buildExport } from '../../src/exchange/export';
import { adapterKey } from '../../src/ops/variants';
import { useGpu } from '../gpu';

const root = resolve(__dirname, '..', '..');
const cliDir = join(root, 'dist', 'cli-faults');
const cli = join(cliDir, 'mup-lab.js');
const PREVIOUS = '{"previous": "a good file from an earlier run"}\n';
/** Bytes a limited process may write to one file: far below every output here. */
const LIMIT = 1024;

beforeAll(() => {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const args = [
    vite,
    'build',
    '-c',
    'vite.cli.config.ts',
    '--outDir',
    cliDir,
    '--logLevel',
    'warn',
  ];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the CLI failed: ${r.stderr}`);
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs the built CLI. `limit`: 'start' runs it under the file size limit; a RegExp applies the
 * limit once stderr matches it (prlimit --pid); `killOn` sends SIGKILL once stderr matches.
 */
function runCli(
  args: string[],
  opts: { limit?: 'start' | RegExp; killOn?: RegExp } = {},
): Promise<Run> {
  const [cmd, argv] =
    opts.limit === 'start'
      ? ['prlimit', [`--fsize=${LIMIT}`, '--', process.execPath, cli, ...args]]
      : [process.execPath, [cli, ...args]];
  const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let limited = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (opts.limit instanceof RegExp && !limited && opts.limit.test(stderr)) {
      limited = true;
      const r = spawnSync('prlimit', ['--pid', String(child.pid), `--fsize=${LIMIT}`]);
      if (r.status !== 0) throw new Error(`prlimit failed: ${r.stderr}`);
    }
    if (opts.killOn?.test(stderr)) child.kill('SIGKILL');
  });
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, stderr })));
}

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mup-faults-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const temporaries = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The CLI said, in one line, that `path` could not be written and the previous one is kept. */
function expectFullDiskRefusal(run: Run, path: string): void {
  expect(run.signal, run.stderr).toBeNull();
  expect(run.code, run.stderr).toBe(1);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(
    new RegExp(
      `^mup-lab: cannot write ${escape(path)}: the file is larger than this process may write ` +
        '\\(EFBIG\\); the previous file is unchanged$',
    ),
  );
  expect(run.stderr).not.toMatch(/\n\s+at |Error:/); // no stack trace
  expect(readFileSync(path, 'utf8')).toBe(PREVIOUS);
}

const SMALL = ['--depth', '1', '--heads', '2', '--context', '8', '--batch', '2', '--seed', '0'];

describe('a full disk under each CLI writer keeps the previous file', () => {
  it('plan, golden and transfer', async () => {
    const dir = dirWith({ 'plan.json': PREVIOUS, 'golden.json': PREVIOUS, 'out.json': PREVIOUS });
    const plan = join(dir, 'plan.json');
    expectFullDiskRefusal(
      await runCli(['plan', '--preset', 'tiny', '--out', plan], { limit: 'start' }),
      plan,
    );
    const golden = join(dir, 'golden.json');
    expectFullDiskRefusal(await runCli(['golden', '--out', golden], { limit: 'start' }), golden);

    const from = join(dir, 'export.json');
    const doc = buildExport({
      config: preset('tiny'),
      records: [],
      vocab: 40,
      targetWidth: 64,
      environment: { adapter: 'test', labVersion: '9.9.9', date: new Date('2026-12-01T00:00:00Z') },
    });
    writeFileSync(from, JSON.stringify(doc));
    const out = join(dir, 'out.json');
    const args = ['transfer', '--from', from, '--width', '1024', '--out', out];
    expectFullDiskRefusal(await runCli(args, { limit: 'start' }), out);
    expect(temporaries(dir)).toEqual([]);
    // Without the limit, the same commands replace the files whole.
    expect((await runCli(args)).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).target.width).toBe(1024);
  });

  it('sweep (the full disk strikes after training: the result is lost, the old file kept)', async () => {
    const dir = dirWith({ 'result.json': PREVIOUS });
    const out = join(dir, 'result.json');
    const args = ['sweep', '--widths', '16', '--lr-log2', '-8:-4', '--steps', '3', ...SMALL];
    const run = await runCli([...args, '--parametrization', 'mup', '--no-tune', '--out', out], {
      limit: /\[1\/5\]/,
    });
    expect(run.stderr).toMatch(/\[5\/5\]/);
    expectFullDiskRefusal(run, out);
    expect(temporaries(dir)).toEqual([]);
  });

  it('coord-check', async () => {
    const dir = dirWith({ 'coord.json': PREVIOUS });
    const out = join(dir, 'coord.json');
    const args = ['coord-check', '--widths', '16', '--steps', '6', ...SMALL];
    const run = await runCli([...args, '--parametrization', 'sp,mup', '--out', out], {
      limit: /coord-check: 1\/2/,
    });
    expectFullDiskRefusal(run, out);
    expect(temporaries(dir)).toEqual([]);
  });

  it('dump (every file of a case)', async () => {
    const caseFiles = ['weights.bin', 'batches.bin', 'manifest.json'].map(
      (f) => `mup_w16_d1_tied_nobias/${f}`,
    );
    const dir = dirWith(Object.fromEntries(caseFiles.map((f) => [f, PREVIOUS])));
    const args = ['dump', '--out', dir, '--widths', '16', '--depth', '1', '--heads', '2'];
    const run = await runCli(
      [
        ...args,
        '--tied',
        'true',
        '--biases',
        'false',
        '--parametrization',
        'sp,mup',
        '--steps',
        '2',
      ],
      { limit: /dump sp_w16_d1_tied_nobias: / },
    );
    expectFullDiskRefusal(run, join(dir, caseFiles[0]));
    for (const f of caseFiles) expect(readFileSync(join(dir, f), 'utf8'), f).toBe(PREVIOUS);
    expect(temporaries(join(dir, 'mup_w16_d1_tied_nobias'))).toEqual([]);
  });

  describe('the kernel tuning cache', () => {
    const gpu = useGpu();

    it('a cache that cannot be rewritten stays as it was, with one line', async () => {
      const key = adapterKey(gpu().adapter);
      const { vendor, architecture, device, description } = gpu().adapter;
      const record = {
        format: 'mup-lab/tune',
        version: 1,
        adapterInfo: { vendor, architecture, device, description },
        tunedAt: '2026-12-07T00:00:00.000Z',
        result: {
          adapter: 'test',
          timing: 'wall',
          skipped: 0,
          millis: 1,
          entries: [
            {
              kernel: 'matmul',
              shapeClass: '8x8x8',
              chosen: 'warp9', // unknown: the cache is rewritten as it is read
              threshold: 'direct',
              candidates: [],
            },
          ],
        },
      };
      // Other adapters' records (kept on a rewrite) make the file larger than the limit.
      const others = Object.fromEntries(
        Array.from({ length: 8 }, (_, i) => [`["other", "${i}"]`, { ...record, tunedAt: `${i}` }]),
      );
      const cache = JSON.stringify({
        format: 'mup-lab/tune-cache',
        records: { ...others, [key]: record },
      });
      expect(cache.length).toBeGreaterThan(2 * LIMIT);
      const dir = dirWith({ 'tune.json': cache });
      const path = join(dir, 'tune.json');
      const run = await runCli(
        ['sweep', '--preset', 'tiny', '--tune-cache', path, '--parametrization', 'mup'],
        { limit: 'start', killOn: /Kernel tuning cache not rewritten/ },
      );
      expect(run.stderr).toMatch(/unknown variant "warp9"/);
      expect(run.stderr).toMatch(
        new RegExp(
          `\\nKernel tuning cache not rewritten: cannot write ${escape(path)}: the file is larger ` +
            'than this process may write \\(EFBIG\\); the previous file is unchanged\\n',
        ),
      );
      expect(readFileSync(path, 'utf8')).toBe(cache);
      expect(temporaries(dir)).toEqual([]);
    });
  });
});

describe('kill -9 in the middle of a write keeps the previous file', () => {
  it('golden (19 MB): killed while its temporary file is being written', async () => {
    const dir = dirWith({ 'golden.json': PREVIOUS });
    const out = join(dir, 'golden.json');
    let hits = 0;
    for (let attempt = 0; attempt < 5 && hits === 0; attempt++) {
      const child = spawn(process.execPath, [cli, 'golden', '--out', out], { stdio: 'ignore' });
      const closed = new Promise((done) => child.on('close', done));
      // Watch (synchronously, so nothing delays the kill) for the temporary file to appear.
      const start = Date.now();
      while (Date.now() - start < 60_000) {
        if (temporaries(dir).length > 0) {
          child.kill('SIGKILL');
          hits++;
          break;
        }
        if (statSync(out).size !== PREVIOUS.length) break; // too late: already renamed
      }
      await closed;
      expect(readFileSync(out, 'utf8') === PREVIOUS || statSync(out).size > 1e6).toBe(true);
      if (hits > 0) expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
      else writeFileSync(out, PREVIOUS);
    }
    expect(hits).toBe(1);
    // A later run replaces the file whole and removes the killed run's temporary file.
    expect(temporaries(dir)).toHaveLength(1);
    expect((await runCli(['golden', '--out', out])).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).format).toBe('mup-lab/golden-transfer');
    expect(temporaries(dir)).toEqual([]);
  });
});
