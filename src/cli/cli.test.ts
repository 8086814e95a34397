import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { preset, runCount } from '../sweep/config';
import { parseImport } from '../exchange/exportParse';
import { configFromFlags, parseRange, SWEEP_FLAGS, UsageError } from './args';
import { parseFlags, type FlagValues } from './flags';
import { main } from './main';
import { captureOutput } from '../../test/captureOutput';

const output = captureOutput();

const noText = (): Uint8Array => {
  throw new Error('no file');
};

/** The sweep command's checked flag values. */
function sweepFlags(argv: string[]): FlagValues {
  const parsed = parseFlags('sweep', argv, SWEEP_FLAGS);
  if (parsed.help) throw new Error('help asked');
  return parsed.values;
}

describe('CLI flags', () => {
  it('maps the issue example onto a sweep config', () => {
    const argv =
      '--widths 32,64,128 --lr-log2=-12:-2 --steps 60 --batch 8 --context 32 --depth 2 --heads 4 --parametrization sp,mup --base-width 32 --seed 0 --stack 4'.split(
        ' ',
      );
    const c = configFromFlags(sweepFlags(argv), noText);
    expect(c.widths).toEqual([32, 64, 128]);
    expect(c.sweep).toEqual({ name: 'lr', log2Min: -12, log2Max: -2, log2Step: 1 });
    expect(c.model).toMatchObject({ depth: 2, heads: 4, context: 32 });
    expect(c.train).toMatchObject({ steps: 60, batch: 8, seeds: [0], stack: 4 });
    expect(c.parametrizations).toEqual(['sp', 'mup']);
  });

  it('sweeps another hyperparameter, or depths', () => {
    const c = configFromFlags(
      sweepFlags(['--hp', 'init-std', '--grid-log2=-3:3', '--depths', '2,4,8']),
      noText,
    );
    expect(c.sweep).toEqual({ name: 'initStd', log2Min: -3, log2Max: 3, log2Step: 1 });
    expect(c.axis).toBe('depth');
    expect(c.baseDepth).toBe(2);
    expect(parseRange('x', '-4:0:0.5')).toEqual({ log2Min: -4, log2Max: 0, log2Step: 0.5 });
  });

  it('names the depth option: --depth-scaling completep is α = 1, depth-mup α = 1/2', () => {
    const alpha = (v?: string) =>
      configFromFlags(sweepFlags(v === undefined ? [] : ['--depth-scaling', v]), noText).hp
        .depthAlpha;
    expect(alpha()).toBe(0);
    expect(alpha('completep')).toBe(1);
    expect(alpha('depth-mup')).toBe(0.5);
    expect(() => alpha('alpha-1')).toThrow(
      /--depth-scaling: must be one of none, depth-mup, completep \(got "alpha-1"\)/,
    );
  });

  it('starts from a preset (--preset), the other flags change it', () => {
    const c = (argv: string[]) => configFromFlags(sweepFlags(argv), noText);
    expect(c(['--preset', 'tiny'])).toEqual(preset('tiny'));
    expect(c(['--preset', 'paper'])).toEqual(preset('paper'));
    expect(c(['--preset', 'tiny', '--steps', '5']).train.steps).toBe(5);
    expect(c(['--preset', 'paper', '--schedule', 'constant']).train.schedule).toEqual({
      kind: 'constant',
    });
    expect(c(['--preset', 'tiny-sgd'])).toEqual(preset('tiny-sgd'));
    expect(c(['--preset', 'tiny-muon'])).toEqual(preset('tiny-muon'));
    expect(() => c(['--preset', 'huge'])).toThrow(
      /--preset: must be one of tiny, tiny-sgd, tiny-muon, quick, paper \(got "huge"\)/,
    );
  });

  it('picks the corpus (--corpus synthetic|shakespeare, or --text) with one-line errors', () => {
    const c = (argv: string[]) => configFromFlags(sweepFlags(argv), noText);
    expect(c(['--corpus', 'shakespeare']).data).toEqual({ kind: 'shakespeare' });
    expect(c(['--corpus', 'synthetic', '--corpus-size', '5000']).data).toEqual({
      kind: 'synthetic',
      seed: 0,
      size: 5000,
    });
    expect(() => c(['--corpus', 'wiki'])).toThrow(
      /--corpus: must be one of synthetic, shakespeare \(got "wiki"\)/,
    );
    expect(() => c(['--corpus', 'shakespeare', '--text', 'a.txt'])).toThrow(
      /give --corpus or --text, not both/,
    );
    expect(() => c(['--corpus', 'shakespeare', '--corpus-size', '5000'])).toThrow(
      /apply to the synthetic corpus only/,
    );
  });

  it('plans a sweep on Tiny Shakespeare with the whole text, for python -m mup_lab.sweep', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mup-plan-')), 'plan.json');
    expect(await main(['plan', '--preset', 'tiny', '--corpus', 'shakespeare', '--out', out])).toBe(
      0,
    );
    const plan = JSON.parse(readFileSync(out, 'utf8'));
    expect(plan.config.data).toEqual({ kind: 'shakespeare' });
    expect(plan.text).toHaveLength(1_115_394);
    expect(plan.runs[0].base.vocab).toBe(65);
  });

  it('writes a sweep plan: every run with its hyperparameters, shapes and text', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'mup-plan-')), 'plan.json');
    expect(await main(['plan', '--preset', 'tiny', '--out', out])).toBe(0);
    const plan = JSON.parse(readFileSync(out, 'utf8'));
    const tiny = preset('tiny');
    expect(plan).toMatchObject({ format: 'mup-lab/plan', version: 1, sweptHp: 'lr' });
    expect(plan.train).toMatchObject({ steps: 16, batch: 4, finalLossWindow: 10 });
    expect(plan.runs).toHaveLength(runCount(tiny));
    expect(plan.text).toHaveLength(tiny.data.kind === 'synthetic' ? tiny.data.size : 0);
    for (const r of plan.runs) {
      expect(r.hyperparameters.lr).toBe(2 ** r.log2Hp);
      expect(r.base).toMatchObject({ width: 16, depth: 1, context: 16 });
      expect(r.target).toMatchObject({ width: r.width, vocab: r.base.vocab });
    }
  });

  it('takes the optimizer and its momentum', () => {
    const argv = ['--preset', 'tiny', '--optimizer', 'sgd', '--momentum', '0.7'];
    const c = configFromFlags(sweepFlags(argv), noText);
    expect(c.hp).toMatchObject({ optimizer: 'sgd', momentum: 0.7 });
    const muon = configFromFlags(sweepFlags(['--optimizer', 'muon', '--ns-steps', '3']), noText);
    expect(muon.hp).toMatchObject({ optimizer: 'muon', nsSteps: 3 });
    const plain = configFromFlags(sweepFlags(['--preset', 'tiny']), noText);
    expect(plain.hp.optimizer).toBe('adamw');
  });

  it('rejects bad values with a one-line reason', () => {
    expect(() => configFromFlags(sweepFlags(['--steps', 'ten']), noText)).toThrow(UsageError);
    expect(() => configFromFlags(sweepFlags(['--hp', 'beta']), noText)).toThrow(
      /--hp: must be one of/,
    );
    expect(() => configFromFlags(sweepFlags(['--text', 'x.txt']), noText)).toThrow(
      /cannot read --text x.txt/,
    );
    expect(() => sweepFlags(['--nope'])).toThrow(/unknown option --nope/);
  });
});

describe('CLI commands', () => {
  const bad: Array<[string, string[], RegExp]> = [
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['unknown flag', ['sweep', '--bogus'], /unknown option --bogus \(mup-lab sweep --help/],
    [
      'indivisible width',
      ['sweep', '--widths', '30,64', '--heads', '4'],
      /not divisible by (the )?4 heads/,
    ],
    [
      'unreadable text',
      ['sweep', '--text', '/nonexistent/corpus.txt'],
      /cannot read --text .*ENOENT/,
    ],
    ['transfer without --from', ['transfer'], /needs --from/],
    ['dump without --out', ['dump'], /dump needs --out DIR/],
    [
      'dump with an unknown depth option',
      ['dump', '--out', 'x', '--depth-alpha', '0.3'],
      /--depth-alpha: must be one of 0, 0.5, 1 \(got "0.3"\)/,
    ],
    [
      'dump with a bad boolean list',
      ['dump', '--out', 'x', '--tied', 'yes'],
      /--tied: must be false, true or a comma-separated list of them \(got "yes"\)/,
    ],
    [
      'dump with an unknown optimizer',
      ['dump', '--out', 'x', '--optimizer', 'lion'],
      /--optimizer: must be one of adamw, sgd, muon \(got "lion"\)/,
    ],
    ['golden without --out', ['golden'], /golden needs --out FILE/],
    [
      'an unknown loss metric',
      ['sweep', '--metric', 'test'],
      /^mup-lab: --metric: must be one of val, train \(got "test"\)\n$/,
    ],
    [
      'an unknown optimizer',
      ['sweep', '--optimizer', 'lion'],
      /^mup-lab: --optimizer: must be one of adamw, sgd, muon \(got "lion"\)/,
    ],
    [
      'a momentum outside [0, 1)',
      ['plan', '--optimizer', 'sgd', '--momentum', '1', '--out', 'x.json'],
      /^mup-lab: hp\.momentum: Momentum must be in \[0, 1\) \(got 1\)\n$/,
    ],
    [
      'dump with a momentum outside [0, 1)',
      ['dump', '--out', 'x', '--optimizer', 'sgd', '--momentum=1.5'],
      /--momentum: Momentum must be in \[0, 1\) \(got 1.5\)/,
    ],
  ];
  for (const [what, argv, message] of bad) {
    it(`exits 2 with one line on ${what}`, async () => {
      expect(await main(argv)).toBe(2);
      const text = output.stderr.join('');
      expect(text).toMatch(message);
      expect(text).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  it('refuses a width beyond the adapter limit before training, naming the largest that fits', async () => {
    expect(
      await main([
        'sweep',
        '--widths',
        '64,8192',
        '--head-size',
        '32',
        '--batch',
        '1024',
        '--context',
        '512',
      ]),
    ).toBe(2);
    expect(output.stderr.join('')).toMatch(/the largest width that fits is \d+/);
  });

  it('dumps a GPU run: manifest, weights and batches that replay it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mup-dump-'));
    const argv = `dump --out ${dir} --widths 16 --parametrization mup --tied true --biases false --steps 3 --heads 2`;
    expect(await main(argv.split(' '))).toBe(0);
    const caseDir = join(dir, 'mup_w16_d2_tied_nobias');
    const m = JSON.parse(readFileSync(join(caseDir, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({
      format: 'mup-lab/dump',
      version: 1,
      steps: 3,
      batch: 4,
      context: 16,
    });
    expect(m.losses).toHaveLength(3);
    const last = m.tensors[m.tensors.length - 1];
    const weights = readFileSync(join(caseDir, 'weights.bin'));
    expect(weights.length).toBe(
      4 * (last.offset + last.shape.reduce((a: number, b: number) => a * b, 1)),
    );
    expect(readFileSync(join(caseDir, 'batches.bin')).length).toBe(4 * 3 * 2 * 4 * 16);
    // A fresh model's loss is about log(vocab).
    expect(Math.abs(m.losses[0] - Math.log(m.target.vocab))).toBeLessThan(0.5);
  });

  it('runs a tiny sweep and a transfer from its result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mup-cli-'));
    const out = join(dir, 'result.json');
    writeFileSync(join(dir, 'corpus.txt'), 'the cat sat on the mat. '.repeat(200));
    const argv = `sweep --widths 16,32 --lr-log2=-8:-6:2 --steps 3 --batch 4 --context 16 --depth 1 --heads 2 --seed 0 --parametrization mup --text ${join(dir, 'corpus.txt')} --tune-cache ${join(dir, 'tune.json')} --out ${out}`;
    expect(await main(argv.split(' '))).toBe(0);
    // The first sweep on this adapter tuned its kernels and cached the choice in --tune-cache.
    const cache = JSON.parse(readFileSync(join(dir, 'tune.json'), 'utf8'));
    const [record] = Object.values(cache.records) as Array<{ result: { entries: unknown[] } }>;
    expect(record.result.entries.length).toBeGreaterThan(0);
    const parsed = parseImport(readFileSync(out, 'utf8'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.doc.evidence.runs).toHaveLength(4);
    // Without --metric the optima are read on the validation loss, as the page's default, and
    // the output and the export both say so; the training loss's optima come along.
    expect(output.stderr.join('')).toMatch(
      /optima on the validation loss \(.*\) \(--metric val\):/,
    );
    expect(output.stderr.join('')).toMatch(/final loss \d\.\d{4}, val loss \d\.\d{4}/);
    expect(parsed.doc.evidence.metric).toBe('val');
    expect(parsed.doc.evidence.otherMetric?.metric).toBe('train');
    for (const r of parsed.doc.evidence.runs) {
      expect(r).toMatchObject({ parametrization: 'mup' });
      expect(r.losses).toHaveLength(3);
      expect(typeof r.log2Lr).toBe('number');
    }
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await main(['transfer', '--from', out, '--width', '4096'])).toBe(0);
    const result = JSON.parse(String(write.mock.calls[0][0]));
    expect(result.target.width).toBe(4096);
  });
  it('under a cosine schedule, --horizons trains the shorter lengths and prints their analysis', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mup-cli-'));
    const out = join(dir, 'result.json');
    writeFileSync(join(dir, 'corpus.txt'), 'the cat sat on the mat. '.repeat(200));
    const argv = `sweep --widths 16 --lr-log2=-8:-4:2 --steps 8 --batch 4 --context 16 --depth 1 --heads 2 --seed 0 --parametrization mup --schedule cosine --warmup 2 --horizons --no-tune --metric train --text ${join(dir, 'corpus.txt')} --out ${out}`;
    expect(await main(argv.split(' '))).toBe(0);
    const text = output.stderr.join('');
    expect(text).toMatch(
      /optima on the final training loss \(mean of the last 10 steps\) \(--metric train\):/,
    );
    expect(text).toMatch(/horizons: 6 runs of 2 and 4 steps, each with its own cosine schedule/);
    expect(text).toMatch(/across training length at width 16, 2, 4, 8 steps \(separate runs\):/);
    expect(text).toMatch(/mup: optimum .* from steps 2 to 8/);
    expect(text).toMatch(/drift -?\d+\.\d\d( ± \d+\.\d\d)? octaves per steps doubling/);
    for (const s of [2, 4, 8]) expect(text).toMatch(new RegExp(`steps ${s}: optimum log2 lr = `));
    const parsed = parseImport(readFileSync(out, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.doc.evidence.metric).toBe('train');
    // The sweep's 3 runs stay the width evidence; the 6 horizon runs are apart.
    expect(parsed.doc.evidence.runs).toHaveLength(3);
    const horizons = parsed.doc.evidence.horizonRuns!;
    expect(horizons.map((r) => r.steps).sort()).toEqual([2, 2, 2, 4, 4, 4]);
    for (const r of horizons) expect(r.losses).toHaveLength(r.steps!);
  });
});
