/**
 * The CLI's argument handling without a GPU: help for the program and every command, typed and
 * checked values (negative numbers included), one-line refusals with a hint, --out checked before
 * any work, and --text read under the one text rule (test/fixtures/text, shared with the page
 * and python/mup_lab).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TEXT_BYTES } from '../data/text';
import { PARAMETRIZATIONS } from '../mup/parametrizations';
import { configFromFlags, SWEEP_FLAGS } from './args';
import { parseFlags } from './flags';
import { commandFlags, commandHelp, main } from './main';
import { captureOutput } from '../../test/captureOutput';

const output = captureOutput({ stdout: true });

/** Runs the CLI; its exit code and the one line it printed on stderr. */
async function cli(argv: string[]): Promise<{ code: number; err: string; out: string }> {
  output.clear();
  const code = await main(argv);
  return { code, err: output.stderr.join(''), out: output.stdout.join('') };
}

const COMMANDS = Object.keys(commandFlags());

describe('help', () => {
  it('--help, -h and help print the program help with every command, exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await cli(argv);
      expect(r.code, argv[0]).toBe(0);
      expect(r.out).toMatch(/^usage: mup-lab <command> \[options\]/);
      for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    }
    // Without a command: the same help on stderr, exit 2.
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/usage: mup-lab <command>/);
  });

  it('every command has --help and -h: usage, and every option with its type and default', async () => {
    for (const command of COMMANDS.filter((c) => c !== 'bench')) {
      for (const flag of ['--help', '-h']) {
        const r = await cli([command, flag]);
        expect(r.code, `${command} ${flag}`).toBe(0);
        expect(r.out).toBe(commandHelp(command) + '\n');
      }
      const help = commandHelp(command);
      expect(help).toMatch(new RegExp(`^usage: mup-lab ${command} `));
      for (const [flag, kind] of Object.entries(commandFlags()[command])) {
        const line = help
          .split('\n')
          .findIndex((l) => l.startsWith(`  --${flag} `) || l === `  --${flag}`);
        expect(line, `${command} --${flag} in the help`).toBeGreaterThanOrEqual(0);
        if (kind !== 'boolean') expect(help.split('\n')[line]).toMatch(new RegExp(`--${flag} \\S`));
      }
      expect(help).toMatch(/-h, --help/);
    }
    // Defaults are stated: dump's, and the preset's for the sweep.
    expect(commandHelp('dump')).toMatch(/--seed INT>=0 +seed of init and batches \(default: 0\)/);
    expect(commandHelp('sweep')).toMatch(
      /--steps INT>0 +training steps per run \(default: the preset's, quick: 60\)/,
    );
    expect(commandHelp('sweep')).toMatch(/--lr-log2 LO:HI\[:STEP\]/);
  });

  it('help <command> prints that command', async () => {
    expect((await cli(['help', 'plan'])).out).toBe(commandHelp('plan') + '\n');
  });
});

describe('values', () => {
  const sweepValues = (argv: string[]) => {
    const p = parseFlags('sweep', argv, SWEEP_FLAGS);
    if (p.help) throw new Error('help');
    return p.values;
  };
  const noText = (): Uint8Array => {
    throw new Error('no file');
  };

  it('--optimizer brings that optimizer’s defaults; the flags given win', () => {
    const hp = (argv: string[]) => configFromFlags(sweepValues(argv), noText).hp;
    expect(hp(['--optimizer', 'muon'])).toMatchObject({ momentum: 0.95, nsSteps: 5 });
    expect(hp(['--optimizer', 'muon', '--momentum', '0.9'])).toMatchObject({ momentum: 0.9 });
    expect(hp(['--optimizer', 'sgd'])).toMatchObject({ optimizer: 'sgd', momentum: 0.9 });
  });

  it('takes negative numbers as values, inline or as the next word', () => {
    for (const argv of [['--lr-log2=-12:-2'], ['--lr-log2', '-12:-2']]) {
      expect(configFromFlags(sweepValues(argv), noText).sweep).toEqual({
        name: 'lr',
        log2Min: -12,
        log2Max: -2,
        log2Step: 1,
      });
    }
    expect(
      configFromFlags(sweepValues(['--hp', 'init-std', '--grid-log2', '-3:1:0.5']), noText).sweep,
    ).toEqual({ name: 'initStd', log2Min: -3, log2Max: 1, log2Step: 0.5 });
  });

  const refused: Array<[string[], RegExp]> = [
    [
      ['transfer', '--from', 'x.json', '--width', '-5'],
      /^mup-lab: --width: must be a positive integer \(got "-5"\)$/,
    ],
    [
      ['dump', '--out', 'x', '--seed', 'abc'],
      /^mup-lab: --seed: must be a non-negative integer \(got "abc"\)$/,
    ],
    [['sweep', '--steps', '2.5'], /^mup-lab: --steps: must be a positive integer \(got "2.5"\)$/],
    [
      ['sweep', '--widths', '32,,64'],
      /^mup-lab: --widths: must be positive integers separated by commas \(got "32,,64"\)$/,
    ],
    [['sweep', '--lr', '0x'], /^mup-lab: --lr: must be a positive number \(got "0x"\)$/],
    [
      ['sweep', '--lr-log2', '-12'],
      /^mup-lab: --lr-log2: must be a log2 range like -12:-2 or -12:-2:0.5 \(got "-12"\)$/,
    ],
    [
      ['sweep', '--parametrization', 'ntk'],
      new RegExp(
        `^mup-lab: --parametrization: must be ${PARAMETRIZATIONS.join(', ')} or a comma-separated list of them \\(got "ntk"\\)$`,
      ),
    ],
    [['sweep', '--out'], /^mup-lab: --out: needs a value \(FILE\)$/],
    [['sweep', '--out', '--steps', '3'], /^mup-lab: --out: needs a value \(FILE\)$/],
    [['sweep', '--retune=yes'], /^mup-lab: --retune: takes no value \(got "yes"\)$/],
    [
      ['sweep', '--widht', '32'],
      /^mup-lab: mup-lab sweep: unknown option --widht \(did you mean --width/,
    ],
    [
      ['plan', '--frobnicate'],
      /^mup-lab: mup-lab plan: unknown option --frobnicate \(mup-lab plan --help lists them\)$/,
    ],
    [
      ['plan', '-x'],
      /^mup-lab: mup-lab plan: unknown option -x \(mup-lab plan --help lists them\)$/,
    ],
    [
      ['golden', 'out.json'],
      /^mup-lab: mup-lab golden: unexpected argument "out.json" \(mup-lab golden --help/,
    ],
    [['swep'], /^mup-lab: unknown command "swep" \(commands: sweep, plan, .*; mup-lab --help\)$/],
    [['--widths', '32'], /^mup-lab: unknown option --widths before the command \(mup-lab --help/],
  ];
  for (const [argv, message] of refused) {
    it(`refuses ${argv.join(' ')} in one line naming the flag, exit 2`, async () => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.err.trimEnd()).toMatch(message);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    });
  }
});

describe('outputs', () => {
  it('checks the --out directory before any work', async () => {
    const missing = join(tmpdir(), 'mup-lab-no-such-dir', 'result.json');
    for (const command of ['sweep', 'plan', 'coord-check']) {
      const r = await cli([command, '--preset', 'tiny', '--out', missing]);
      expect(r.code, command).toBe(2);
      expect(r.err).toMatch(
        /^mup-lab: --out: the directory .*mup-lab-no-such-dir does not exist \(ENOENT\)\n$/,
      );
      expect(r.err).not.toMatch(/adapter|sweep:|tuning/); // nothing started
    }
    const t = await cli(['sweep', '--preset', 'tiny', '--tune-cache', missing]);
    expect(t.err).toMatch(/^mup-lab: --tune-cache: the directory .* does not exist/);
    const d = await cli(['dump', '--out', join(tmpdir(), 'mup-lab-no-such-dir', 'a', 'b')]);
    expect(d.err).toMatch(/^mup-lab: --out: the directory .* does not exist/);
  });

  it('replaces a file whole and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mup-out-'));
    const out = join(dir, 'golden.json');
    writeFileSync(out, 'old');
    expect((await cli(['golden', '--out', out])).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).format).toBe('mup-lab/golden-transfer');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir)).toEqual(['golden.json']);
  });
});

describe('--text under the one text rule (test/fixtures/text)', () => {
  const fixtures = join(__dirname, '..', '..', 'test', 'fixtures', 'text');
  const { context, cases } = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8')) as {
    context: number;
    cases: Array<{ file: string; problem: string | null }>;
  };
  const MESSAGES: Record<string, RegExp> = {
    empty: /The text (is empty|contains only whitespace)/,
    binary: /binary/,
    'invalid-encoding': /not valid UTF-8/,
    'too-many-characters': /different characters; the limit is 4096/,
    'too-short': /needs at least/,
    'too-large': /The file is 10\.0 MB; the limit is 10 MB/,
  };
  const dir = mkdtempSync(join(tmpdir(), 'mup-text-'));
  const big = join(dir, 'too-large.txt');
  writeFileSync(big, Buffer.alloc(MAX_TEXT_BYTES + 1, 'a'));
  const all = [...cases, { file: big, problem: 'too-large' }];

  for (const { file, problem } of all) {
    it(`${file.replace(/^.*\//, '')}: ${problem ?? 'accepted'}`, async () => {
      const path = file.startsWith('/') ? file : join(fixtures, file);
      const r = await cli([
        'plan',
        '--preset',
        'tiny',
        '--context',
        String(context),
        '--text',
        path,
      ]);
      if (problem === null) {
        expect(r.code, r.err).toBe(0);
        const plan = JSON.parse(r.out);
        expect(plan.text).not.toMatch(/\uFFFD|\r|^\uFEFF/);
      } else {
        expect(r.code).toBe(2);
        expect(r.err).toMatch(
          new RegExp(`^mup-lab: --text ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `),
        );
        expect(r.err).toMatch(MESSAGES[problem]);
        expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      }
    });
  }
});

describe('choices', () => {
  it('are case-insensitive, and µP is mup', () => {
    const p = parseFlags('sweep', ['--parametrization', 'SP,µP', '--preset', 'Tiny'], SWEEP_FLAGS);
    if (p.help) throw new Error('help');
    const c = configFromFlags(p.values, () => new Uint8Array());
    expect(c.parametrizations).toEqual(['sp', 'mup']);
    expect(c.widths).toEqual([16, 32, 64]);
  });
});
