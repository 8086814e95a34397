/**
 * The parametrization table's helpers and invariants: the name enum and its one label map,
 * scaled() (bit-identical to the written-out forms the rules used before the table), the depth
 * factor, and the JSON the Python port reads. The rules' values are pinned in rules.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  depthFactor,
  PARAMETRIZATION_CHOICES,
  PARAMETRIZATION_LABELS,
  PARAMETRIZATION_TABLE,
  parametrizationSchema,
  parametrizationTableJson,
  PARAMETRIZATIONS,
  scaled,
} from './parametrizations';

describe('the names', () => {
  it('are one enum with one label each, distinct', () => {
    expect(PARAMETRIZATIONS).toEqual(['sp', 'mup']);
    expect(PARAMETRIZATION_LABELS).toEqual({ sp: 'SP', mup: 'µP' });
    expect(new Set(Object.values(PARAMETRIZATION_LABELS)).size).toBe(PARAMETRIZATIONS.length);
    expect(Object.keys(PARAMETRIZATION_TABLE)).toEqual(PARAMETRIZATIONS);
  });

  it('refuse an unknown name in one line naming the choices', () => {
    expect(parametrizationSchema.safeParse('mup').success).toBe(true);
    const bad = parametrizationSchema.safeParse('umup');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].message).toBe('Parametrization must be "sp" or "mup"');
    expect(PARAMETRIZATION_CHOICES).toBe('"sp" or "mup"');
  });
});

describe('scaled(x, b, e) = x · b^e', () => {
  const x = 0.0123;
  const b = 3;
  it('is the written-out form, bit for bit, at the exponents the table uses', () => {
    expect(scaled(x, b, 0)).toBe(x);
    expect(scaled(x, b, -0.5)).toBe(x / Math.sqrt(b));
    expect(scaled(x, b, -1)).toBe(x / b);
    expect(scaled(x, b, 0.5)).toBe(x * Math.sqrt(b));
    expect(scaled(x, b, 1)).toBe(x * b);
  });
  it('is x · b^e at any other exponent', () => {
    expect(scaled(x, b, 1.5)).toBeCloseTo(x * b ** 1.5, 15);
    expect(scaled(x, b, -2)).toBeCloseTo(x / (b * b), 15);
  });
});

describe('depthFactor', () => {
  const rule = { perAlpha: 2, constant: -1 };
  it('is 1 without a depth rule or with depth scaling off (α = 0)', () => {
    expect(depthFactor(undefined, 1, 4)).toBe(1);
    expect(depthFactor(rule, 0, 4)).toBe(1);
  });
  it('is L^(perAlpha·α + constant) otherwise', () => {
    expect(depthFactor(rule, 1, 4)).toBe(4);
    expect(depthFactor(rule, 0.5, 4)).toBe(1);
    expect(depthFactor({ perAlpha: -1, constant: 0 }, 0.5, 4)).toBe(0.5);
  });
});

describe('the JSON python/mup_lab reads', () => {
  it('is the table itself, unchanged by a JSON round trip', () => {
    const json = JSON.parse(JSON.stringify(parametrizationTableJson())) as Record<string, unknown>;
    expect(json.format).toBe('mup-lab/parametrizations');
    expect(json.version).toBe(1);
    expect(json.parametrizations).toEqual(PARAMETRIZATION_TABLE);
  });
});
