/** The PyTorch trainer zip's files for a sweep on Tiny Shakespeare: the text rides along. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainerFiles } from '../app/lib/pytorchTrainer';
import { preset, type SweepConfig } from '../src/sweep/config';
import { buildExport } from '../src/exchange/export';

const text = readFileSync(
  new URL('../src/data/corpora/tinyshakespeare.txt', import.meta.url),
  'utf8',
);

function doc(data: SweepConfig['data']) {
  return buildExport({
    config: { ...preset('tiny'), data },
    records: [],
    vocab: 65,
    targetWidth: 256,
    environment: { adapter: 'test', date: new Date('2026-12-07T00:00:00Z') },
  });
}

describe('PyTorch trainer files', () => {
  it('include Tiny Shakespeare under the name train.sh gives, and say where it comes from', () => {
    const files = trainerFiles(doc({ kind: 'shakespeare' }), text);
    expect(files['tinyshakespeare.txt']).toBe(text);
    expect(files['train.sh']).toContain("--text './tinyshakespeare.txt'");
    expect(files['README.txt']).toContain('Tiny Shakespeare (karpathy/char-rnn)');
    expect(files['corpus.txt']).toBeUndefined();
  });

  it('refuse to build without the text, and keep the synthetic corpus as corpus.txt', () => {
    expect(() => trainerFiles(doc({ kind: 'shakespeare' }))).toThrow(/not loaded/);
    const synthetic = trainerFiles(doc({ kind: 'synthetic', seed: 0, size: 5000 }));
    expect(synthetic['corpus.txt']).toHaveLength(5000);
    expect(synthetic['tinyshakespeare.txt']).toBeUndefined();
  });
});
