import { describe, expect, it } from 'vitest';
import { preset } from './config';
import { horizonAnalysis, horizonOutcomes, horizonSteps } from './horizon';
import { runId, type RunRecord } from './types';

/** A run whose loss at step t is 3 - t·k (k grows with the LR up to its optimum at -5). */
function record(log2Hp: number, steps: number, over: Partial<RunRecord> = {}): RunRecord {
  const k = 0.05 - 0.01 * (log2Hp + 5) ** 2;
  const losses = Array.from({ length: steps }, (_, i) => 3 - (i + 1) * k);
  const spec = { parametrization: 'mup' as const, width: 32, depth: 1, seed: 0, log2Hp };
  return {
    ...spec,
    id: runId(spec),
    finalLoss: losses.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, steps),
    diverged: false,
    divergedAtStep: null,
    losses,
    valLoss: null,
    tokensPerSec: 1,
    millis: 1,
    ...over,
  };
}

describe('transfer across training length', () => {
  it('compares a quarter, half and all of the run', () => {
    expect(horizonSteps(12)).toEqual([3, 6, 12]);
    expect(horizonSteps(60)).toEqual([15, 30, 60]);
    expect(horizonSteps(4)).toEqual([2, 4]);
  });

  it('reads the final loss at each horizon off the loss history, by hand', () => {
    const r = record(-5, 12); // k = 0.05: losses 2.95, 2.90, ..., 2.40
    const [at3, at12] = horizonOutcomes([r], [3, 12]);
    // Steps 1..3: mean of 2.95, 2.90, 2.85; steps 3..12 (last 10): mean of 2.85 ... 2.40.
    expect(at3).toMatchObject({ width: 3, diverged: false });
    expect(at3.finalLoss).toBeCloseTo(2.9, 12);
    expect(at12.finalLoss).toBeCloseTo(2.625, 12);
    // Diverged at step 5: fine at 3 steps, diverged at 12.
    const d = record(-3, 4, { diverged: true, divergedAtStep: 5, finalLoss: null });
    const [e3, e12] = horizonOutcomes([d], [3, 12]);
    expect(e3.diverged).toBe(false);
    expect(e12.diverged).toBe(true);
  });

  it('finds the same optimum at every horizon when the curves only scale, and refuses cosine', () => {
    const c = { ...preset('tiny'), parametrizations: ['mup' as const] };
    const records = [-8, -7, -6, -5, -4, -3, -2].map((x) => record(x, 12));
    const h = horizonAnalysis(c, records);
    if (!h.ok) throw new Error(h.reason);
    expect(h.horizon.scaled).toBe(32);
    expect(h.horizon.steps).toEqual([3, 6, 12]);
    const [a] = h.horizon.analyses;
    expect(a.optima.map((o) => o.width)).toEqual([3, 6, 12]);
    for (const o of a.optima) expect(o.fitLog2).toBeCloseTo(-5, 10);
    expect(a.drift!.value).toBeCloseTo(0, 10);
    const cosine = {
      ...c,
      train: { ...c.train, schedule: { kind: 'cosine' as const, warmupSteps: 0, minRatio: 0.1 } },
    };
    const refused = horizonAnalysis(cosine, records);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toMatch(/sweep each training length separately/);
  });
});
