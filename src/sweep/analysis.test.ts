import { describe, expect, it } from 'vitest';
import { analyzeSweep, optimumOf, parabolaVertex, tunedLog2, type RunOutcome } from './analysis';

/** Loss curves that are parabolas in log2(lr) with a known minimum per width. */
function runs(
  parametrization: string,
  minima: Record<number, number>,
  seeds = [0, 1],
): RunOutcome[] {
  const out: RunOutcome[] = [];
  for (const [w, min] of Object.entries(minima)) {
    for (let log2 = -12; log2 <= -2; log2++) {
      for (const seed of seeds) {
        const loss = 1 + 0.1 * (log2 - min) ** 2 + seed * 1e-3;
        const diverged = log2 >= -3;
        out.push({
          parametrization,
          width: Number(w),
          seed,
          log2Hp: log2,
          finalLoss: diverged ? NaN : loss,
          diverged,
        });
      }
    }
  }
  return out;
}

describe('sweep analysis', () => {
  it('recovers the vertex of a parabola exactly', () => {
    expect(parabolaVertex([-1, 0, 1], [2, 1, 4])).toBeCloseTo(-1 / 4 + 0, 10);
    // y = (x - 0.3)^2 through x = 0, 1, 2 has its vertex at 0.3.
    expect(parabolaVertex([0, 1, 2], [0.09, 0.49, 2.89])).toBeCloseTo(0.3, 12);
    expect(parabolaVertex([0, 1, 2], [1, 0, -1])).toBeUndefined(); // not convex
  });

  it('finds grid and sub-grid optima, ignoring diverged runs', () => {
    const o = optimumOf(64, runs('mup', { 64: -7.3 }));
    expect(o?.gridLog2).toBe(-7);
    expect(o?.fitLog2).toBeCloseTo(-7.3, 10);
    expect(o?.atEdge).toBe(false);
    expect(o?.curve.filter((p) => p.diverged).map((p) => p.log2)).toEqual([-3, -2]);
  });

  it('reports a stable optimum for µP-like data and a drifting one for SP-like data', () => {
    const all = [
      ...runs('mup', { 32: -7, 64: -7.2, 128: -6.9 }),
      ...runs('sp', { 32: -6, 64: -7, 128: -8.5 }),
    ];
    const [mup, sp] = analyzeSweep(all);
    expect(mup.parametrization).toBe('mup');
    expect(mup.maxGridSteps).toBe(0);
    expect(mup.verdict).toMatch(/stays put/);
    expect(sp.shiftOctaves).toBeCloseTo(-2.5, 10);
    expect(sp.maxGridSteps).toBe(3);
    expect(sp.verdict).toBe('optimum moves down by 2.5 octaves from width 32 to 128');
    expect(tunedLog2(mup, 64)).toBeCloseTo(-7.2, 10);
    expect(tunedLog2(mup, 999)).toBeCloseTo(-7, 10);
  });

  it('flags an optimum on the edge of the grid and a width where everything diverged', () => {
    const edge = runs('sp', { 32: -20 });
    const [a] = analyzeSweep(edge);
    expect(a.optima[0].atEdge).toBe(true);
    expect(a.verdict).toMatch(/grid edge/);
    const dead = edge.map((r) => ({ ...r, diverged: true, finalLoss: NaN }));
    expect(analyzeSweep(dead)[0].verdict).toBe('no run finished without diverging');
  });
});
