/** The coordinate check's figure: its own widths, one line per step, the shared y range. */
import { describe, expect, it } from 'vitest';
import { coordLines, coordStepRows, parseCoordWidths } from '../app/components/CoordCheckPanel';
import { luminance } from '../app/lib/figureScale';
import type { CoordRecord } from '../src/analysis/coordVerdict';

describe('parseCoordWidths', () => {
  it('reads a sorted, deduplicated list of multiples of the width step', () => {
    expect(parseCoordWidths('64, 16 32,16', 8)).toEqual([16, 32, 64]);
  });
  it('names the field and the value it refuses', () => {
    expect(parseCoordWidths('16', 8)).toMatch(/^Coordinate check width list: give at least two/);
    expect(parseCoordWidths('16, 20', 8)).toBe(
      'Coordinate check width list: “20” is not a multiple of 8 from 8 to 2048.',
    );
    expect(parseCoordWidths('16, abc', 8)).toMatch(/“abc”/);
    expect(parseCoordWidths('16, 0', 8)).toMatch(/“0”/);
    expect(parseCoordWidths('16, 1e9', 8)).toMatch(/“1e9”/);
    expect(parseCoordWidths('8 16 24 32 40 48 56 64 72', 8)).toMatch(/at most 8 widths/);
    expect(parseCoordWidths('16, 16', 8)).toMatch(/two different widths/);
  });
});

describe('one line per step', () => {
  const recs: CoordRecord[] = [1, 2, 3].flatMap((step) =>
    [16, 32].map((width) => ({
      parametrization: 'sp' as const,
      width,
      step,
      layer: 'readoutLogits' as const,
      meanAbs: step * width,
    })),
  );
  it('has a row per width and a column per step', () => {
    expect(coordStepRows(recs, 'sp', 'readoutLogits')).toEqual([
      { width: 16, s1: 16, s2: 32, s3: 48 },
      { width: 32, s1: 32, s2: 64, s3: 96 },
    ]);
    expect(coordStepRows(recs, 'mup', 'readoutLogits')).toEqual([]);
  });
  it('colours the steps dark to light, in order', () => {
    const lines = coordLines(recs, { kind: 'steps', layer: 'readoutLogits' });
    expect(lines.map((l) => l.label)).toEqual(['step 1', 'step 2', 'step 3']);
    const lum = lines.map((l) => luminance(l.color));
    expect(lum[1]).toBeGreaterThan(lum[0]);
    expect(lum[2]).toBeGreaterThan(lum[1]);
    expect(coordLines(recs, { kind: 'layers', step: 2 }).map((l) => l.key)).toEqual([
      'readoutLogits',
    ]);
  });
});
