/** The loss metric of the figures, the export and the CLI (src/analysis/metric.ts). */
import { describe, expect, it } from 'vitest';
import { asRecorded, finalLossOf, metricLabel, withMetric } from './metric';
import type { RunRecord } from '../sweep/types';

const run = (over: Partial<RunRecord>): RunRecord => ({
  id: 'mup:w16:d1:s0:h-5',
  parametrization: 'mup',
  width: 16,
  depth: 1,
  seed: 0,
  log2Hp: -5,
  finalLoss: 1.5,
  diverged: false,
  divergedAtStep: null,
  losses: [2, 1.5],
  valLoss: 1.7,
  tokensPerSec: 1,
  millis: 1,
  ...over,
});

describe('withMetric', () => {
  it('reads the validation loss as the plotted loss, and leaves training loss as it is', () => {
    const records = [run({}), run({ diverged: true, finalLoss: null, valLoss: null })];
    expect(withMetric(records, 'val').map((r) => r.finalLoss)).toEqual([1.7, null]);
    expect(withMetric(records, 'train').map((r) => r.finalLoss)).toEqual([1.5, null]);
    // The input is not changed.
    expect(records[0].finalLoss).toBe(1.5);
  });
  it('has no loss for a run that carries no validation loss', () => {
    expect(withMetric([run({ valLoss: null })], 'val')[0].finalLoss).toBeNull();
  });
  it('the final training loss is the mean of the last 10 steps (all of a shorter run)', () => {
    const losses = Array.from({ length: 25 }, (_, i) => i);
    expect(finalLossOf(losses)).toBe(19.5); // mean of 15..24
    expect(finalLossOf([4, 2])).toBe(3);
  });
  it('states the split and the window', () => {
    expect(metricLabel('val')).toMatch(/held-out last 10% of the corpus/);
    expect(metricLabel('train')).toMatch(/last 10 steps/);
  });
});

describe('asRecorded', () => {
  it("puts back the recorded runs of results computed on withMetric's copies", () => {
    const recorded = [run({}), run({ id: 'mup:w16:d1:s0:h-4', log2Hp: -4 })];
    const results = [{ width: 32, runs: withMetric(recorded, 'val') }];
    expect(results[0].runs[0].finalLoss).toBe(1.7);
    const back = asRecorded(results, recorded);
    expect(back[0].runs).toEqual(recorded);
    expect(back[0].runs[0]).toBe(recorded[0]);
    expect(back[0].width).toBe(32);
  });
});
