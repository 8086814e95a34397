import { describe, expect, it } from 'vitest';
import { csvField, csvFileName, csvHeader, csvRow, parseCsv, runsToCsv, type CsvRun } from './csv';

const run = (over: Partial<CsvRun> = {}): CsvRun => ({
  parametrization: 'mup',
  width: 64,
  depth: 2,
  seed: 0,
  log2Hp: -8,
  finalLoss: 2.5,
  diverged: false,
  valLoss: 2.625,
  tokensPerSec: 12000.5,
  ...over,
});

describe('csvField', () => {
  it('quotes commas, quotes, newlines and edge spaces; doubles quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('')).toBe('');
  });

  it('writes numbers exactly, non-finite and null as empty, booleans as words', () => {
    expect(csvField(0.00390625)).toBe('0.00390625');
    expect(csvField(1e-8)).toBe('1e-8');
    expect(csvField(-8)).toBe('-8');
    expect(csvField(NaN)).toBe('');
    expect(csvField(Infinity)).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
  });

  it('defuses text that a spreadsheet would run as a formula', () => {
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@x,y')).toBe('"\'@x,y"');
  });
});

describe('runsToCsv', () => {
  it('writes a header and one row per run, sorted, with CRLF line ends', () => {
    const csv = runsToCsv(
      [
        run({ width: 128, log2Hp: -7 }),
        run({ parametrization: 'sp', log2Hp: -6, tokensPerSec: 5 }),
        run({ log2Hp: -9 }),
      ],
      'lr',
    );
    const lines = csv.split('\r\n');
    expect(lines[lines.length - 1]).toBe('');
    expect(lines[0]).toBe(
      'parametrization,width,depth,seed,log2_lr,lr,final_loss,diverged,val_loss,tokens_per_sec',
    );
    expect(lines.slice(1, -1)).toEqual([
      'mup,64,2,0,-9,0.001953125,2.5,false,2.625,12000.5',
      'mup,128,2,0,-7,0.0078125,2.5,false,2.625,12000.5',
      'sp,64,2,0,-6,0.015625,2.5,false,2.625,5',
    ]);
  });

  it('marks diverged runs and leaves their losses empty (never NaN)', () => {
    const csv = runsToCsv(
      [
        run({ diverged: true, finalLoss: null, valLoss: null }),
        run({ seed: 1, finalLoss: NaN, diverged: false }),
      ],
      'initStd',
    );
    const rows = parseCsv(csv);
    expect(rows[0][4]).toBe('log2_initStd');
    expect(rows[0][5]).toBe('initStd');
    expect(rows[1].slice(6, 9)).toEqual(['', 'true', '']);
    expect(rows[2].slice(6, 9)).toEqual(['', 'true', '']);
    expect(csv).not.toMatch(/NaN|null|undefined|Infinity/);
  });

  it('round-trips quoted text through parseCsv', () => {
    const weird = run({ parametrization: 'odd, "name"\nline' });
    const rows = parseCsv(runsToCsv([weird], 'lr'));
    expect(rows).toHaveLength(2);
    expect(rows[1][0]).toBe('odd, "name"\nline');
    expect(rows[1]).toHaveLength(csvHeader('lr').length);
    expect(parseCsv(csvRow(['a', 'b,c', '"q"']) + '\n')).toEqual([['a', 'b,c', '"q"']]);
  });

  it('names the file after the swept hyperparameter and the date', () => {
    expect(csvFileName('lr', new Date('2026-11-26T23:00:00Z'))).toBe(
      'mup-lab_runs_lr_2026-11-26.csv',
    );
  });
});
