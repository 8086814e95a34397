import { describe, expect, it } from 'vitest';
import { divergenceBound, isDiverged } from './divergence';
import { lrFactor, scheduleForSteps } from './schedule';

describe('learning-rate schedule', () => {
  it('is flat when constant', () => {
    expect([1, 50, 100].map((s) => lrFactor({ kind: 'constant' }, s, 100))).toEqual([1, 1, 1]);
  });

  it('warms up linearly, then decays by a cosine to the floor', () => {
    const s = { kind: 'cosine', warmupSteps: 10, minRatio: 0.1 } as const;
    expect(lrFactor(s, 1, 110)).toBeCloseTo(0.1, 12);
    expect(lrFactor(s, 10, 110)).toBeCloseTo(1, 12);
    expect(lrFactor(s, 60, 110)).toBeCloseTo(0.1 + 0.9 * 0.5, 12);
    expect(lrFactor(s, 110, 110)).toBeCloseTo(0.1, 12);
  });

  it('gives a shorter run its own cosine with the warm-up the same fraction of the run', () => {
    const paper = { kind: 'cosine', warmupSteps: 100, minRatio: 0.1 } as const;
    expect(scheduleForSteps(paper, 1000, 250)).toEqual({ ...paper, warmupSteps: 25 });
    expect(scheduleForSteps(paper, 1000, 500)).toEqual({ ...paper, warmupSteps: 50 });
    expect(scheduleForSteps(paper, 1000, 1000)).toEqual(paper);
    // A recipe that warms up keeps at least one warm-up step; one that does not, none.
    expect(scheduleForSteps({ ...paper, warmupSteps: 1 }, 1000, 250)).toEqual({
      ...paper,
      warmupSteps: 1,
    });
    expect(scheduleForSteps({ ...paper, warmupSteps: 0 }, 1000, 250)).toEqual({
      ...paper,
      warmupSteps: 0,
    });
    expect(scheduleForSteps({ kind: 'constant' }, 1000, 250)).toEqual({ kind: 'constant' });
    // The shorter run ends at the same floor.
    const short = scheduleForSteps(paper, 1000, 250);
    expect(lrFactor(short, 250, 250)).toBeCloseTo(0.1, 12);
  });
});

describe('divergence', () => {
  it('flags non-finite losses, the non-finite flag, and losses above the bound', () => {
    const bound = divergenceBound(96);
    expect(bound).toBeCloseTo(3 * Math.log(96), 12);
    expect(isDiverged(2.5, false, bound)).toBe(false);
    expect(isDiverged(NaN, false, bound)).toBe(true);
    expect(isDiverged(Infinity, false, bound)).toBe(true);
    expect(isDiverged(2.5, true, bound)).toBe(true);
    expect(isDiverged(bound + 0.01, false, bound)).toBe(true);
  });
});
