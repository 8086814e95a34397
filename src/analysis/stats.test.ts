import { describe, expect, it } from 'vitest';
import { bootstrapDraws, lsqParabolaVertex, lsqSlope, mean, sampleSd } from './stats';

describe('sweep statistics', () => {
  it('mean and sample sd by hand', () => {
    expect(mean([1, 2, 6])).toBe(3);
    // Deviations -2, -1, 3: sum of squares 14, over n - 1 = 2.
    expect(sampleSd([1, 2, 6])).toBeCloseTo(Math.sqrt(7), 14);
    expect(sampleSd([5])).toBe(0);
  });

  it('least-squares parabola through five points of y = 2(x + 6.4)² + 1 has its vertex at -6.4', () => {
    const xs = [-9, -8, -7, -6, -5];
    expect(
      lsqParabolaVertex(
        xs,
        xs.map((x) => 2 * (x + 6.4) ** 2 + 1),
      ),
    ).toBeCloseTo(-6.4, 10);
    // Concave or degenerate: no vertex.
    expect(
      lsqParabolaVertex(
        xs,
        xs.map((x) => -(x ** 2)),
      ),
    ).toBeUndefined();
    expect(lsqParabolaVertex([1, 1, 2], [0, 1, 2])).toBeUndefined();
  });

  it('least-squares slope and its standard error by hand', () => {
    // y = 0, 1, 3 at x = 0, 1, 2: slope 1.5; residuals 1/6, -1/3, 1/6, RSS 1/6, Sxx 2.
    const fit = lsqSlope([0, 1, 2], [0, 1, 3]);
    expect(fit.slope).toBeCloseTo(1.5, 14);
    expect(fit.se).toBeCloseTo(Math.sqrt(1 / 6 / 1 / 2), 14);
    expect(lsqSlope([0, 1], [0, 2]).se).toBeNaN();
  });

  it('bootstrap draws resample each group from its own values, deterministically per seed', () => {
    const groups = new Map([
      ['a', [1, 2, 3]],
      ['b', [10]],
    ]);
    const draws = bootstrapDraws(groups, 50, 7);
    expect(draws).toHaveLength(50);
    for (const d of draws) {
      expect(d.get('a')).toHaveLength(3);
      for (const v of d.get('a')!) expect([1, 2, 3]).toContain(v);
      expect(d.get('b')).toEqual([10]);
    }
    expect(bootstrapDraws(groups, 50, 7)).toEqual(draws);
    expect(bootstrapDraws(groups, 50, 8)).not.toEqual(draws);
  });
});
