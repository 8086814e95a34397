import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseImport } from '../exchange/exportParse';
import { importedConfig, importedRecords, importedVerificationRuns } from '../exchange/imported';
import { withMetric } from '../analysis/metric';
import { verificationAt } from '../sweep/verify';
import { main } from './main';
import { captureOutput } from '../../test/captureOutput';

const output = captureOutput();

describe('mup-lab verify', () => {
  it('trains 5 LRs around each prediction at the target width and writes the verified export', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mup-verify-'));
    const corpus = join(dir, 'corpus.txt');
    const result = join(dir, 'result.json');
    const verified = join(dir, 'verified.json');
    writeFileSync(corpus, 'the cat sat on the mat. '.repeat(200));
    const sweep = `sweep --widths 16 --lr-log2=-8:-4:2 --steps 3 --batch 4 --context 16 --depth 1 --heads 2 --seed 0 --stack 5 --parametrization sp,mup --no-tune --text ${corpus} --out ${result}`;
    expect(await main(sweep.split(' '))).toBe(0);

    // The export names its text but does not hold it: verify says so, and which flag to use.
    expect(await main(['verify', '--from', result, '--width', '32'])).toBe(2);
    expect(output.stderr.join('')).toMatch(
      /--text: the sweep trained on the text .* pass it with --text/,
    );
    expect(await main(['verify', '--from', result, '--width', '32', '--seeds', '0,x'])).toBe(2);
    expect(output.stderr.join('')).toMatch(/--seeds: /);
    expect(await main(['verify', '--from', result, '--width', '33', '--text', corpus])).toBe(2);
    expect(output.stderr.join('')).toMatch(/--width 33: widths: .*(divisible|multiple)/);

    output.clear();
    const argv = ['verify', '--from', result, '--width', '32', '--text', corpus, '--out', verified];
    expect(await main(argv)).toBe(0);
    const log = output.stderr.join('');
    expect(log).toMatch(/verify: 10 runs at width 32/);
    expect(log).toMatch(/mup width 32: predicted log2 lr -?\d+\.\d\d, (observed|every run)/);
    const parsed = parseImport(readFileSync(verified, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.message);
    const v = parsed.doc.verification!;
    expect(v.width).toBe(32);
    expect(v.seeds).toEqual([0]);
    expect(v.results.map((r) => r.parametrization).sort()).toEqual(['mup', 'sp']);
    for (const r of v.results) {
      expect(r.runs).toHaveLength(5);
      const xs = r.runs.map((x) => x.log2Hp);
      for (const x of xs) expect(Math.abs(x - r.predicted.log2)).toBeLessThanOrEqual(2 + 1e-9);
      expect(new Set(xs).size).toBe(5);
      for (const run of r.runs) expect(run.width).toBe(32);
    }
    // The rest of the document is the sweep's, unchanged; the verification reads back the same.
    const before = parseImport(readFileSync(result, 'utf8'));
    if (!before.ok) throw new Error(before.message);
    expect(parsed.doc.evidence).toEqual(before.doc.evidence);
    // Predicted and observed on the loss the export's optima were read on (validation here);
    // the runs keep their training loss as finalLoss.
    const metric = parsed.doc.evidence.metric!;
    expect(metric).toBe('val');
    expect(log).toMatch(/optima on the validation loss .*\(the export's evidence\.metric\)/);
    for (const run of v.results.flatMap((r) => r.runs))
      if (!run.diverged) expect(run.finalLoss).not.toBe(run.valLoss);
    const again = verificationAt(
      importedConfig(parsed.doc),
      withMetric(importedRecords(parsed.doc), metric),
      withMetric(importedVerificationRuns(parsed.doc), metric),
      32,
    );
    for (const r of again) {
      const stored = v.results.find((x) => x.parametrization === r.parametrization)!;
      expect(r.predicted.log2).toBeCloseTo(stored.predicted.log2, 9);
      expect(r.penalty).toBeCloseTo(stored.penalty ?? NaN, 9);
    }
  });
});
