/** The Runs view's pure parts (app/lib/runsView.ts): filters, curve paths, y range. */
import { describe, expect, it } from 'vitest';
import {
  curvePath,
  filterRuns,
  fullFilter,
  pointFilter,
  runPath,
  runsYRange,
  shownLine,
} from '../app/lib/runsView';
import { hpGrid, preset, runCount } from '../src/sweep/config';
import { planRuns } from '../src/sweep/scheduler';
import type { RunRecord } from '../src/sweep/types';

const tiny = preset('tiny');

/** Every run of Tiny, finished: losses falling from 3.7, the highest LR diverged at step 3. */
function records(): RunRecord[] {
  return planRuns(tiny).map((s) => {
    const diverged = s.log2Hp === tiny.sweep.log2Max;
    const losses = diverged ? [3.7, 3.2, NaN] : [3.7, 3.0, 2.5 + s.seed * 0.01];
    return {
      ...s,
      finalLoss: diverged ? null : losses[2],
      diverged,
      divergedAtStep: diverged ? 3 : null,
      losses,
      valLoss: diverged ? null : 2.4,
      tokensPerSec: 1,
      millis: 1,
    };
  });
}

describe('filterRuns', () => {
  const all = records();
  it('keeps every run under the full filter', () => {
    expect(filterRuns(tiny, all, fullFilter(tiny))).toHaveLength(runCount(tiny));
  });
  it('keeps a run only when its parametrization, width, LR and seed are all shown', () => {
    const f = { ...fullFilter(tiny), parametrizations: ['mup' as const], scaled: [32], seeds: [1] };
    const kept = filterRuns(tiny, all, f);
    expect(kept).toHaveLength(hpGrid(tiny.sweep).length);
    for (const r of kept) expect([r.parametrization, r.width, r.seed]).toEqual(['mup', 32, 1]);
    expect(filterRuns(tiny, all, { ...f, log2s: [] })).toEqual([]);
  });
  it("shows a clicked point's runs: every width and seed of that value", () => {
    const kept = filterRuns(tiny, all, pointFilter(tiny, 'sp', -6));
    expect(kept).toHaveLength(tiny.widths.length * tiny.train.seeds.length);
    expect(new Set(kept.map((r) => `${r.parametrization}${r.log2Hp}`))).toEqual(new Set(['sp-6']));
  });
});

describe('curvePath', () => {
  it('draws step against loss, from step 1', () => {
    expect(curvePath([3.7, 3, 2.5])).toBe('M1 3.7L2 3L3 2.5');
  });
  it('stops at the first non-finite loss; nothing to draw is empty', () => {
    expect(curvePath([3.7, 3.2, NaN, 2])).toBe('M1 3.7L2 3.2');
    expect(curvePath([NaN])).toBe('');
    expect(curvePath([])).toBe('');
  });
  it('thins a long curve to at most about maxPoints, keeping its last step', () => {
    const losses = Array.from({ length: 1000 }, (_, i) => 4 - i / 1000);
    const d = curvePath(losses, 100);
    const points = d.slice(1).split('L');
    expect(points.length).toBeLessThanOrEqual(101);
    expect(points[0]).toBe('1 4');
    expect(points[points.length - 1]).toBe(`1000 ${Number(losses[999].toPrecision(6))}`);
  });
  it('is computed once per record', () => {
    const r = records()[0];
    expect(runPath(r)).toBe(runPath(r));
    expect(runPath(r)).toBe(curvePath(r.losses));
  });
});

describe('runsYRange', () => {
  it('runs from the lowest loss (validation included) to the first step, above a blow-up', () => {
    const runs = records();
    runs[0] = { ...runs[0], losses: [3.7, 50, 60] };
    const range = runsYRange(runs)!;
    expect(range.domain[0]).toBeLessThanOrEqual(2.4);
    expect(range.domain[1]).toBeGreaterThanOrEqual(3.7);
    expect(range.domain[1]).toBeLessThan(10);
  });
  it('has no range without a finite loss', () => {
    expect(runsYRange([])).toBeUndefined();
  });
});

describe('shownLine', () => {
  it('counts the shown runs and the diverged among them', () => {
    const all = records();
    const diverged = all.filter((r) => r.diverged).length;
    expect(shownLine(all, all.length)).toBe(
      `${all.length} of ${all.length} runs shown · ${diverged} diverged (×: where)`,
    );
    expect(shownLine([], 1)).toBe('0 of 1 run shown');
  });
});
