import { describe, expect, it } from 'vitest';
import {
  COORD_LAYERS,
  coordSeries,
  coordSteps,
  coordVerdict,
  coordVerdictLines,
  formatSlope,
  leastSquaresSlope,
  type CoordLayer,
  type CoordRecord,
} from './coordVerdict';
import type { Parametrization } from '../mup/parametrizations';

const WIDTHS = [32, 64, 128, 256];

/** meanAbs = c · width^slope · (1 + tiny noise), for steps 1..3 (slopes apply at every step). */
function records(
  parametrization: Parametrization,
  slopes: Partial<Record<CoordLayer, number>>,
  opts: { noise?: number; seeds?: number } = {},
): CoordRecord[] {
  const out: CoordRecord[] = [];
  for (let seed = 0; seed < (opts.seeds ?? 1); seed++) {
    for (const step of [1, 2, 3]) {
      for (const width of WIDTHS) {
        COORD_LAYERS.forEach((layer, i) => {
          const s = (slopes[layer] ?? 0) * (step / 3);
          const wobble = 1 + (opts.noise ?? 0) * Math.sin(width * 7 + i + seed * 13);
          out.push({ parametrization, width, step, layer, meanAbs: (i + 1) * width ** s * wobble });
        });
      }
    }
  }
  return out;
}

describe('coordVerdict', () => {
  it('recovers the log-log slope of every layer at the last step', () => {
    const v = coordVerdict(records('sp', { readoutLogits: 0.9, attnLogits: 0.5 }));
    expect(v).toHaveLength(COORD_LAYERS.length);
    for (const s of v) {
      expect(s.step).toBe(3);
      expect(s.widths).toEqual(WIDTHS);
    }
    const by = Object.fromEntries(v.map((s) => [s.layer, s]));
    expect(by.readoutLogits.slope).toBeCloseTo(0.9, 10);
    expect(by.attnLogits.slope).toBeCloseTo(0.5, 10);
    expect(by.embedding.slope).toBeCloseTo(0, 10);
    expect(by.readoutLogits.grows).toBe(true);
    expect(by.embedding.grows).toBe(false);
  });

  it('says µP is flat and SP grows, one line each', () => {
    const recs = [
      ...records('mup', { mlpOutput: 0.05, readoutLogits: -0.03 }),
      ...records('sp', { readoutLogits: 0.9 }),
    ];
    const lines = coordVerdictLines(recs);
    expect(lines).toEqual([
      { parametrization: 'mup', ok: true, text: 'µP: all layers flat (max slope 0.05)' },
      { parametrization: 'sp', ok: false, text: 'SP: readout logits grow ∝ width^0.9' },
    ]);
  });

  it('lists several growing layers, largest first, and shrinking ones', () => {
    const lines = coordVerdictLines(
      records('sp', { attnLogits: 0.5, readoutLogits: 1, blockOutput: -0.5, embedding: 0.4 }),
    );
    expect(lines[0].text).toBe(
      'SP: readout logits grow ∝ width^1.0, attention logits ∝ width^0.5, embedding ∝ width^0.4; ' +
        'block output shrinks ∝ width^-0.5',
    );
  });

  it('averages seeds and tolerates noise', () => {
    const v = coordVerdict(records('mup', {}, { noise: 0.05, seeds: 3 }));
    for (const s of v) expect(Math.abs(s.slope)).toBeLessThan(0.1);
    expect(coordVerdictLines(records('mup', {}, { noise: 0.05 }))[0].ok).toBe(true);
  });

  it('skips zero and non-finite values and says when there is too little data', () => {
    const zero: CoordRecord[] = WIDTHS.map((width) => ({
      parametrization: 'mup',
      width,
      step: 1,
      layer: 'attnLogits',
      meanAbs: 0,
    }));
    expect(coordVerdict(zero)[0].slope).toBeNaN();
    expect(coordVerdictLines(zero)[0]).toEqual({
      parametrization: 'mup',
      ok: false,
      text: 'µP: not enough widths to judge',
    });
    const mixed = [
      ...records('mup', {}),
      ...zero.map((r) => ({ ...r, step: 3, layer: 'mlpOutput' as const, meanAbs: NaN })),
    ];
    const series = coordSeries(mixed, 'mup', 'mlpOutput', 3);
    expect(series.map((s) => s.width)).toEqual(WIDTHS);
    expect(coordVerdictLines([])).toEqual([]);
  });

  it('helpers: least squares, steps, slope formatting', () => {
    expect(leastSquaresSlope([0, 1, 2], [1, 3, 5])).toBeCloseTo(2, 12);
    expect(leastSquaresSlope([1], [1])).toBeNaN();
    expect(leastSquaresSlope([1, 1], [1, 2])).toBeNaN();
    expect(coordSteps(records('sp', {}))).toEqual([1, 2, 3]);
    expect(formatSlope(0.05)).toBe('0.05');
    expect(formatSlope(0.9)).toBe('0.9');
    expect(formatSlope(-0.0001)).toBe('0.00');
    expect(formatSlope(-0.5)).toBe('-0.5');
  });
});
