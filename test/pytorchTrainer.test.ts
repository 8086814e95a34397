/**
 * The "Download PyTorch trainer" zip runs as shipped: unzipped (modes restored, as unzip does) in
 * a temporary folder, its train.sh is executable and trains a few steps of a tiny model with the
 * system's Python + torch, on a user text named "-rf data.txt", and reports the loss as the lab
 * does (the window mean as "final loss", the last step's, 4 significant digits).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainerFiles, trainerZipBytes, trainerZipName } from '../app/lib/pytorchTrainer';
import { parametrizationTableJson } from '../src/mup/parametrizations';
import { preset } from '../src/sweep/config';
import { buildExport } from '../src/exchange/export';
import { parseImport } from '../src/exchange/exportParse';

/** $PYTHON, else python3, else /usr/bin/python3: the first that imports torch (as npm run test:python). */
function pythonWithTorch(): string {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return python;
  }
  throw new Error(`no Python with torch (tried ${candidates.join(', ')}); set PYTHON`);
}

const TEXT_NAME = '-rf data.txt';

function userTextExport() {
  const c = preset('tiny');
  return buildExport({
    config: { ...c, data: { kind: 'text', name: `/home/me/${TEXT_NAME}`, text: 'unused' } },
    records: [],
    vocab: 30,
    targetWidth: 64,
    environment: { adapter: 'test', labVersion: '9.9.9', date: new Date('2026-12-01T00:00:00Z') },
  });
}

/** Unzips like Info-ZIP's unzip: files, then each entry's Unix mode from its external attributes. */
const UNZIP = `
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for info in z.infolist():
    path = z.extract(info, sys.argv[2])
    if info.create_system == 3:
        os.chmod(path, (info.external_attr >> 16) & 0o777)
`;

describe('PyTorch trainer zip', () => {
  it("carries the parametrization table mup_lab's rules read, beside the schemas", () => {
    const files = trainerFiles(userTextExport());
    const table: unknown = JSON.parse(files['mup_lab/schemas/parametrizations.json']);
    expect(table).toEqual(parametrizationTableJson());
    expect(Object.keys(files)).toContain('mup_lab/schemas/export.schema.json');
  });

  it('train.sh is executable, uses $PYTHON else python3, and quotes every path as ./name', () => {
    const doc = userTextExport();
    expect(parseImport(JSON.stringify(doc)).ok).toBe(true);
    const sh = trainerFiles(doc)['train.sh'];
    expect(sh).toMatch(/^#!\/bin\/sh\n/);
    expect(sh).toContain(`exec "\${PYTHON:-python3}" -m mup_lab.train --export './`);
    expect(sh).toContain(`--text './${TEXT_NAME}'`);
    expect(sh).toContain(`--out './run.json' "$@"`);
  });

  it('unzipped, runs as shipped on a text named "-rf data.txt" and reports the lab\'s losses', () => {
    const python = pythonWithTorch();
    const doc = userTextExport();
    const dir = mkdtempSync(join(tmpdir(), 'mup-trainer-'));
    const zip = join(dir, trainerZipName(doc));
    writeFileSync(zip, trainerZipBytes(doc));
    const unzip = spawnSync(python, ['-c', UNZIP, zip, dir], { encoding: 'utf8' });
    expect(unzip.status, unzip.stderr).toBe(0);
    const root = join(dir, trainerZipName(doc).replace(/\.zip$/, ''));
    expect(statSync(join(root, 'train.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(root, 'README.txt')).mode & 0o777).toBe(0o644);
    writeFileSync(
      join(root, TEXT_NAME),
      'the quick brown fox jumps over the lazy dog. '.repeat(40),
    );
    // Run from elsewhere, as a user would: ./folder/train.sh with a few overrides.
    const steps = 12;
    const run = spawnSync(
      join(root, 'train.sh'),
      ['--width', '16', '--depth', '1', '--steps', String(steps), '--batch', '2'],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PYTHON: python, OMP_NUM_THREADS: '1' },
        timeout: 120_000,
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const log = JSON.parse(readFileSync(join(root, 'run.json'), 'utf8')) as {
      losses: number[];
      valLoss: number;
    };
    expect(log.losses).toHaveLength(steps);
    const window = log.losses.slice(-10);
    const mean = window.reduce((a, b) => a + b, 0) / window.length;
    const sig4 = (x: number) => x.toPrecision(4);
    expect(run.stderr).toContain(
      `done: final loss ${sig4(mean)} (mean of the last 10 steps), ` +
        `last step ${sig4(log.losses[steps - 1])}, validation loss ${sig4(log.valLoss)}, `,
    );
  });
});
