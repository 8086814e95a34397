import { describe, expect, it } from 'vitest';
import {
  analyzeSweep,
  metricsLine,
  optimumOf,
  parabolaVertex,
  tunedLog2,
  type RunOutcome,
} from './analysis';

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

  it('measures drift per doubling and the transfer penalty by hand', () => {
    // SP-like optima -6, -7, -8.5 at widths 32, 64, 128 (log2 5, 6, 7): slope (6 - 8.5) / 2.
    const [sp] = analyzeSweep(runs('sp', { 32: -6, 64: -7, 128: -8.5 }, [0]));
    expect(sp.drift!.value).toBeCloseTo(-1.25, 10);
    // Residuals -1/12, 1/6, -1/12: RSS 1/24 over (3 - 2) and Sxx = 2.
    expect(sp.drift!.sd).toBeCloseTo(Math.sqrt(1 / 24 / 2), 10);
    // At width 128 the base optimum -6 costs 0.1·2.5² = 0.625 against the curve's minimum,
    // and the best grid points (-8 and -9) sit 0.1·0.5² = 0.025 above it: 0.6 nats.
    expect(sp.penalty).toMatchObject({ width: 128, baseWidth: 32, atLog2: -6, diverged: false });
    expect(sp.penalty!.loss).toBeCloseTo(0.6, 10);
    expect(sp.penalty!.sd).toBeNaN(); // one seed: nothing to resample
    expect(metricsLine(sp)).toBe(
      'drift -1.25 ± 0.14 octaves per width doubling; penalty at width 128: 0.600 nats',
    );
    // Measured from another base width: from 64 (optimum -7) the penalty is 0.1·1.5² - 0.025.
    const [from64] = analyzeSweep(runs('sp', { 32: -6, 64: -7, 128: -8.5 }, [0]), {
      baseWidth: 64,
    });
    expect(from64.penalty!.loss).toBeCloseTo(0.2, 10);
  });

  it('reports a diverged transfer when the base optimum diverges at the widest width', () => {
    const data = runs('sp', { 32: -4, 64: -6 }, [0]);
    const [sp] = analyzeSweep(data);
    expect(sp.penalty).toMatchObject({ atLog2: -4, diverged: false });
    const broken = data.map((r) =>
      r.width === 64 && r.log2Hp === -4 ? { ...r, diverged: true, finalLoss: NaN } : r,
    );
    const [b] = analyzeSweep(broken);
    expect(b.penalty).toMatchObject({ atLog2: -4, diverged: true });
    expect(b.penalty!.loss).toBeNaN();
    expect(metricsLine(b)).toMatch(/the width-32 optimum diverges at width 64/);
  });

  it('bootstraps the optimum over seeds: spread when seeds disagree, none when they agree', () => {
    // Seed 0's curve has its minimum at -7, seed 1's at -5: the mean's is at -6.
    const disagree: RunOutcome[] = [0, 1].flatMap((seed) =>
      runs('mup', { 32: seed === 0 ? -7 : -5 }, [0]).map((r) => ({ ...r, seed })),
    );
    const [a] = analyzeSweep(disagree);
    expect(a.optima[0].fitLog2).toBeCloseTo(-6, 10);
    expect(a.optima[0].fitSd).toBeGreaterThan(0.2);
    expect(a.optima[0].fitSd).toBeLessThan(1);
    expect(a.optima[0].curve.find((p) => p.log2 === -6)!.sd).toBeCloseTo(0, 12);
    expect(a.optima[0].curve.find((p) => p.log2 === -7)!.sd).toBeCloseTo(Math.sqrt(0.08), 12);
    // Same data, same answer: the bootstrap is seeded.
    expect(analyzeSweep(disagree)[0].optima[0].fitSd).toBe(a.optima[0].fitSd);
    // Seeds 1e-3 nats apart (resampled point by point) leave little doubt about the optimum.
    const [agree] = analyzeSweep(runs('mup', { 32: -7.3, 64: -7.3 }));
    expect(agree.optima[0].fitSd).toBeGreaterThan(0);
    expect(agree.optima[0].fitSd).toBeLessThan(0.01);
    expect(agree.drift!.value).toBeCloseTo(0, 10);
    expect(agree.drift!.sd).toBeLessThan(0.02);
  });
});
