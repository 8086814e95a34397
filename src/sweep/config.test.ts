import { describe, expect, it } from 'vitest';
import {
  hpGrid,
  largestFittingWidth,
  preset,
  PRESET_LABELS,
  runCount,
  validateSweepConfig,
  validHpGrid,
  type PresetName,
  type SweepConfig,
} from './config';
import { widthStep } from '../mup/shapes';

function fields(c: SweepConfig, opts?: Parameters<typeof validateSweepConfig>[1]): string[] {
  return validateSweepConfig(c, opts).map((e) => e.field);
}

describe('sweep config', () => {
  it('accepts every preset', () => {
    for (const name of Object.keys(PRESET_LABELS) as PresetName[])
      expect(validateSweepConfig(preset(name)), name).toEqual([]);
  });

  it('builds the log2 grid inclusive of both ends', () => {
    expect(hpGrid({ name: 'lr', log2Min: -12, log2Max: -2, log2Step: 1 })).toHaveLength(11);
    expect(hpGrid({ name: 'lr', log2Min: -3, log2Max: 3, log2Step: 1.5 })).toEqual([
      -3, -1.5, 0, 1.5, 3,
    ]);
    expect(runCount(preset('tiny'))).toBe(2 * 3 * 7 * 2);
    expect(runCount(preset('quick'))).toBe(2 * 3 * 9 * 2);
  });

  it('names the field of each problem', () => {
    const c = preset('quick');
    expect(fields({ ...c, widths: [30, 64] })).toContain('widths'); // 30 not divisible by 4 heads
    expect(fields({ ...c, train: { ...c.train, steps: 0 } })).toEqual(['train.steps']);
    expect(fields({ ...c, train: { ...c.train, seeds: [1, 1] } })).toEqual(['train.seeds']);
    expect(fields({ ...c, hp: { ...c.hp, lr: -1 } })).toEqual(['hp.lr']);
    expect(fields({ ...c, sweep: { ...c.sweep, log2Step: 0 } })).toEqual(['sweep.log2Step']);
    expect(fields({ ...c, model: { ...c.model, headSize: 16 } })).toContain('model.heads');
    expect(fields({ ...c, parametrizations: [] })).toEqual(['parametrizations']);
  });

  it('refuses a width beyond the adapter limit and names the largest that fits', () => {
    const c = { ...preset('quick'), widths: [32, 512] };
    const limits = { maxStorageBufferBindingSize: 2 ** 20, maxBufferSize: 2 ** 30 };
    const errors = validateSweepConfig(c, { vocab: 96, limits });
    expect(errors).toHaveLength(1);
    const fits = largestFittingWidth(c, 96, 2 ** 20);
    expect(fits).toBeGreaterThan(32);
    expect(fits).toBeLessThan(512);
    expect(errors[0].message).toContain(`the largest width that fits is ${fits}`);
  });

  it('checks widths with the valid-width rule the slider uses (widthStep)', () => {
    const c = preset('quick');
    const model = { ...c.model, heads: 3, mlpRatio: 1.5 };
    expect(widthStep(model)).toBe(6);
    expect(fields({ ...c, model, widths: [6, 12], baseWidth: 6 })).toEqual([]);
    const errors = validateSweepConfig({ ...c, model, widths: [6, 9], baseWidth: 6 });
    expect(errors).toEqual([
      {
        field: 'widths',
        message:
          'Width 9 is not a multiple of 6 (divisible by 3 heads, and MLP ratio 1.5 × width whole)',
      },
    ]);
    const fits = largestFittingWidth({ ...c, model }, 96, 2 ** 20);
    expect(fits! % 6).toBe(0);
  });

  it('words every error itself (no generic schema message), one line each', () => {
    const c = preset('quick') as unknown as Record<string, Record<string, unknown>>;
    const broken: Array<[string, unknown]> = [
      ['model.heads', 0],
      ['model.depth', '2'],
      ['model.context', 1e6],
      ['model.mlpRatio', -1],
      ['data.seed', -1],
      ['data.size', 1.5],
      ['train.steps', 0],
      ['train.batch', null],
      ['train.seeds', [-1]],
      ['train.stack', 65],
      ['sweep.name', 'beta1'],
      ['sweep.log2Step', 0],
      ['hp.lr', 'fast'],
      ['parametrizations', ['xp']],
      ['widths', ['16']],
    ];
    for (const [path, value] of broken) {
      const config = structuredClone(c);
      const [group, key] = path.split('.');
      if (key === undefined) config[group] = value as Record<string, unknown>;
      else config[group][key] = value;
      const errors = validateSweepConfig(config as unknown as SweepConfig);
      expect(
        errors.map((e) => e.field),
        path,
      ).toEqual([path]);
      expect(errors[0].message, path).not.toMatch(/Invalid|Too (small|big)|\n/);
    }
  });

  it('reports every problem at once, the rules across fields included', () => {
    const c = preset('quick');
    const limits = { maxStorageBufferBindingSize: 2 ** 20, maxBufferSize: 2 ** 30 };
    const errors = validateSweepConfig(
      {
        ...c,
        widths: [30, 512],
        data: { kind: 'synthetic', seed: 0, size: NaN },
        sweep: { ...c.sweep, log2Min: 3, log2Max: 1, log2Step: 0 },
        train: { ...c.train, steps: 0 },
      },
      { vocab: 96, limits },
    );
    // A type error (size NaN) does not hide the others: each field's rule, the range across
    // log2 from/to, the width rule across model and widths, the adapter's buffer limit.
    expect([...new Set(errors.map((e) => e.field))].sort()).toEqual([
      'data.size',
      'sweep.log2Min',
      'sweep.log2Step',
      'train.steps',
      'widths',
    ]);
    const widths = validateSweepConfig(
      { ...c, widths: [30, 512], train: { ...c.train, steps: 0 } },
      { vocab: 96, limits },
    ).filter((e) => e.field === 'widths');
    expect(widths.map((e) => e.message).join('\n')).toMatch(/Width 30 is not divisible/);
    expect(widths.map((e) => e.message).join('\n')).toMatch(/MiB limit/);
  });

  it('never builds a grid the schema refuses', () => {
    for (const log2Step of [0, -1, NaN, 1e-9]) {
      expect(() => hpGrid({ name: 'lr', log2Min: -8, log2Max: -2, log2Step })).toThrow(RangeError);
      expect(validHpGrid({ name: 'lr', log2Min: -8, log2Max: -2, log2Step })).toBeUndefined();
    }
    expect(validHpGrid({ name: 'lr', log2Min: -8, log2Max: -2, log2Step: 2 })).toEqual([
      -8, -6, -4, -2,
    ]);
  });
});
