import { describe, expect, it } from 'vitest';
import { preset, type SweepConfig } from './config';
import { horizonAnalysis, horizonOutcomes, horizonSteps, planHorizonRuns } from './horizon';
import { runTraining, stacksOf } from './plan';
import { runId, type RunRecord } from './types';

/** The Tiny preset these cases were written for: widths 16, 32, LR -8..-2, 12 steps, 1 seed. */
function tinyAsBefore(): SweepConfig {
  const c = preset('tiny');
  return {
    ...c,
    widths: [16, 32],
    sweep: { name: 'lr', log2Min: -8, log2Max: -2, log2Step: 1 },
    train: { ...c.train, steps: 12, seeds: [0], stack: 1 },
  };
}

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

  it('finds the same optimum at every horizon when the curves only scale', () => {
    const c = { ...tinyAsBefore(), parametrizations: ['mup' as const] };
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
    // Under cosine the histories are not shorter runs: without horizon runs there is nothing.
    const refused = horizonAnalysis(cosine, records);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toMatch(/needs runs of its own/);
  });
});

const cosine = (warmupSteps: number) => ({
  kind: 'cosine' as const,
  warmupSteps,
  minRatio: 0.1,
});

describe('horizon runs under a cosine schedule', () => {
  it('plans each shorter horizon at the widest width for every parametrization, seed and LR', () => {
    const c = tinyAsBefore(); // widths 16, 32; LR -8..-2 (7 points); 12 steps
    expect(planHorizonRuns(c)).toEqual([]); // constant: read off the histories instead
    const cos = { ...c, train: { ...c.train, seeds: [0, 1], schedule: cosine(4) } };
    const runs = planHorizonRuns(cos);
    // Horizons 3 and 6 (12 is the sweep itself) × SP, µP × 2 seeds × 7 LRs.
    expect(runs).toHaveLength(2 * 2 * 2 * 7);
    expect(new Set(runs.map((r) => r.steps))).toEqual(new Set([3, 6]));
    expect(runs.every((r) => r.width === 32 && r.depth === 1)).toBe(true);
    expect(runs[0]).toEqual({
      id: 'sp:w32:d1:s0:h-8:t3',
      parametrization: 'sp',
      width: 32,
      depth: 1,
      seed: 0,
      log2Hp: -8,
      steps: 3,
    });
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    // Each horizon has its own full cosine, warm-up the same third of the run (4 of 12).
    expect(runTraining(cos, { steps: 3 })).toEqual({ steps: 3, schedule: cosine(1) });
    expect(runTraining(cos, { steps: 6 })).toEqual({ steps: 6, schedule: cosine(2) });
    expect(runTraining(cos, {})).toEqual({ steps: 12, schedule: cosine(4) });
    // Stacks never mix horizons (nor seeds).
    const stacks = stacksOf({ ...cos, train: { ...cos.train, stack: 4 } }, runs);
    for (const s of stacks) expect(new Set(s.map((r) => `${r.steps}:${r.seed}`)).size).toBe(1);
    // A depth sweep trains its horizons at the deepest depth, at its one width.
    const depth = { ...cos, axis: 'depth' as const, depths: [1, 2, 4], widths: [16] };
    expect(planHorizonRuns(depth).every((r) => r.depth === 4 && r.width === 16)).toBe(true);
  });

  it('analyzes separate runs per horizon like widths, with the full length from the sweep', () => {
    const c = {
      ...tinyAsBefore(),
      parametrizations: ['mup' as const],
      train: { ...tinyAsBefore().train, seeds: [0, 1], schedule: cosine(0) },
    };
    const grid = [-8, -7, -6, -5, -4, -3, -2];
    // Loss 2 + 0.1·(log2 - optimum)² (+0.01 for seed 1), the optimum at -6 for 3 steps, -5 at
    // 6 and -4 at 12: one octave per doubling of the training length, by construction.
    const run = (steps: number, log2Hp: number, seed: number, short: boolean): RunRecord => {
      const opt = { 3: -6, 6: -5, 12: -4 }[steps]!;
      const loss = 2 + 0.1 * (log2Hp - opt) ** 2 + 0.01 * seed;
      const spec = { parametrization: 'mup' as const, width: 32, depth: 1, seed, log2Hp };
      const full = short ? { ...spec, steps } : spec;
      return {
        ...record(log2Hp, steps),
        ...full,
        id: runId(full),
        finalLoss: loss,
      };
    };
    const sweep = grid.flatMap((x) => [0, 1].map((seed) => run(12, x, seed, false)));
    // The width-16 runs of the sweep are not compared (the widest is).
    const narrow = sweep.map((r) => ({ ...r, width: 16, finalLoss: 9 }));
    const horizons = [3, 6].flatMap((t) =>
      grid.flatMap((x) => [0, 1].map((seed) => run(t, x, seed, true))),
    );
    const h = horizonAnalysis(c, [...narrow, ...sweep], horizons);
    if (!h.ok) throw new Error(h.reason);
    expect(h.horizon).toMatchObject({ scaled: 32, steps: [3, 6, 12], separate: true });
    const [a] = h.horizon.analyses;
    expect(a.optima.map((o) => o.width)).toEqual([3, 6, 12]);
    // The parabola through the best point and its neighbours is exact on a quadratic.
    expect(a.optima.map((o) => o.fitLog2)).toEqual([
      expect.closeTo(-6, 10),
      expect.closeTo(-5, 10),
      expect.closeTo(-4, 10),
    ]);
    expect(a.drift!.value).toBeCloseTo(1, 10);
    // Tuned at 3 steps (-6), trained for 12 (optimum -4): 0.1 · 2² = 0.4 nats lost.
    expect(a.penalty).toMatchObject({ width: 12, baseWidth: 3, atLog2: -6 });
    expect(a.penalty!.loss).toBeCloseTo(0.4, 10);
    expect(a.verdict).toMatch(/moves up by 2\.0 octaves from steps 3 to 12/);
    // Only some horizon runs finished: the analysis covers what is there.
    const partial = horizonAnalysis(
      c,
      sweep,
      horizons.filter((r) => r.steps === 6),
    );
    if (!partial.ok) throw new Error(partial.reason);
    expect(partial.horizon.analyses[0].optima.map((o) => o.width)).toEqual([6, 12]);
  });
});
