/** The cost estimate from measured step rates (app/lib/estimate.ts). */
import { describe, expect, it } from 'vitest';
import { preset, runCount } from '../src/sweep/config';
import type { RunRecord } from '../src/sweep/types';
import {
  estimateRunsSeconds,
  estimateSeconds,
  mergeRates,
  runSecondsAt,
  secondsPerStepAt,
  stepFlops,
  sweepRates,
  type StepRate,
} from '../app/lib/estimate';

const VOCAB = 40;
const sweep = (flopsPerStep: number, secondsPerStep: number): StepRate => ({
  flopsPerStep,
  secondsPerStep,
  source: 'sweep',
});
const bench = (flopsPerStep: number, secondsPerStep: number): StepRate => ({
  flopsPerStep,
  secondsPerStep,
  source: 'benchmark',
});

function run(width: number, i: number, millis = 1): RunRecord {
  return {
    id: `mup:w${width}:d1:s0:h${i}`,
    parametrization: 'mup',
    width,
    depth: 1,
    seed: 0,
    log2Hp: i,
    finalLoss: 3,
    diverged: false,
    divergedAtStep: null,
    losses: [3],
    valLoss: 3,
    tokensPerSec: 1,
    millis,
  };
}

describe('secondsPerStepAt', () => {
  const rates = [sweep(1e6, 0.1), sweep(1e8, 0.4)];
  it('interpolates in log-log between measurements', () => {
    expect(secondsPerStepAt(rates, 1e6)).toBeCloseTo(0.1, 12);
    expect(secondsPerStepAt(rates, 1e7)).toBeCloseTo(0.2, 12); // geometric midpoint
    expect(secondsPerStepAt(rates, 1e8)).toBeCloseTo(0.4, 12);
  });
  it('extends the smallest two’s slope below them and scales with FLOPs above the largest', () => {
    // Slope between 1e6 and 1e8: log(4)/log(100) = 0.301.
    expect(secondsPerStepAt(rates, 1e4)).toBeCloseTo(0.1 / 4, 12);
    expect(secondsPerStepAt(rates, 1e10)).toBeCloseTo(40, 9);
    // The slope is held to [0, 1]: never faster than in proportion, never slower when smaller.
    expect(secondsPerStepAt([sweep(1e6, 1), sweep(1e7, 100)], 1e5)).toBeCloseTo(0.1, 12);
    expect(secondsPerStepAt([sweep(1e6, 1), sweep(1e7, 0.5)], 1e5)).toBe(1);
    // One measurement: its step time is held below it.
    expect(secondsPerStepAt([sweep(1e6, 0.1)], 1e3)).toBe(0.1);
  });
  it('has no answer without a usable rate', () => {
    expect(secondsPerStepAt([], 1e6)).toBeUndefined();
    expect(secondsPerStepAt([sweep(0, 1), sweep(1e6, NaN)], 1e6)).toBeUndefined();
  });
});

describe('estimateSeconds', () => {
  // Explicit widths and seeds: the test does not depend on how the Tiny preset evolves.
  const tiny = preset('tiny');
  const c = { ...tiny, widths: [16, 32], train: { ...tiny.train, seeds: [0] } };
  const [w16, w32] = c.widths.map((w) => stepFlops(c, w, c.model.depth, VOCAB));

  it('is the runs of each width times their steps at that width’s measured step time', () => {
    const perWidth = runCount(c) / c.widths.length;
    const rates = [sweep(w16, 0.05), sweep(w32, 0.08)];
    const expected = perWidth * c.train.steps * (0.05 + 0.08);
    expect(estimateSeconds(c, VOCAB, rates)).toBeCloseTo(expected, 9);
    // What is left once the width-16 runs are done.
    const done = Array.from({ length: perWidth }, (_, i) => run(16, i));
    expect(estimateSeconds(c, VOCAB, rates, done)).toBeCloseTo(perWidth * c.train.steps * 0.08, 9);
    expect(estimateSeconds(c, VOCAB, [])).toBeUndefined();
  });

  it('costs a list of planned runs (a verification) per shape, as the sweep’s', () => {
    const rates = [sweep(w16, 0.05), { ...sweep(w32, 0.08), runSeconds: 0.5 }];
    const planned = [run(32, 0), run(32, 1), run(16, 0)];
    const expected = 2 * (c.train.steps * 0.08 + 0.5) + (c.train.steps * 0.05 + 0.5);
    expect(estimateRunsSeconds(c, VOCAB, rates, planned)).toBeCloseTo(expected, 9);
    expect(estimateRunsSeconds(c, VOCAB, rates, [])).toBe(0);
    expect(estimateRunsSeconds(c, VOCAB, [], planned)).toBeUndefined();
  });

  it('measures a sweep’s own rates by wall clock, the first run of a shape (compilation) aside', () => {
    // Loop times (ms) from the trainer; the rest of each run's wall time is per-run work.
    const records = [run(16, 0, 5000), run(16, 1, 600), run(16, 2, 400), run(32, 0, 2000)];
    const wall = new Map([
      [records[0].id, 9], // the first run carries tuning and compilation
      [records[1].id, 1],
      [records[2].id, 2],
      [records[3].id, 2.5], // alone at its width: its time is all there is
    ]);
    const rates = sweepRates(c, records, VOCAB, wall);
    expect(rates).toHaveLength(2);
    const at16 = rates.find((r) => r.flopsPerStep === w16)!;
    expect(at16.secondsPerStep).toBeCloseTo(1 / (2 * c.train.steps), 12);
    expect(at16.runSeconds).toBeCloseTo(2 / 2, 12);
    const at32 = rates.find((r) => r.flopsPerStep === w32)!;
    expect(at32.secondsPerStep).toBeCloseTo(2 / c.train.steps, 12);
    expect(at32.runSeconds).toBeCloseTo(0.5, 12);
    // Two runs a width at the sweep's steps: the estimate is their steady wall time.
    const sub = { ...c, sweep: { ...c.sweep, log2Min: 0, log2Max: 1, log2Step: 1 } };
    const oneSeed = { ...sub, parametrizations: ['mup' as const] };
    expect(estimateSeconds(oneSeed, VOCAB, rates)).toBeCloseTo(2 * 1.5 + 2 * 2.5, 9);
    // Twice the steps: the loop time doubles, the per-run time does not.
    const longer = { ...oneSeed, train: { ...oneSeed.train, steps: 2 * c.train.steps } };
    expect(estimateSeconds(longer, VOCAB, rates)).toBeCloseTo(2 * (1 + 1) + 2 * (4 + 0.5), 9);
    // Runs not timed on this page (restored, imported) are left out.
    expect(sweepRates(c, records, VOCAB, new Map())).toEqual([]);
  });

  it('takes the per-run time measured nearest in size, none when none was measured', () => {
    const rates = [bench(1e6, 0.1), { ...bench(1e8, 0.2), runSeconds: 0.3 }];
    expect(runSecondsAt(rates, 1e3)).toBe(0.3);
    expect(runSecondsAt([bench(1e6, 0.1)], 1e6)).toBe(0);
    expect(runSecondsAt([{ ...sweep(1e4, 1), runSeconds: 2 }, ...rates], 1e5)).toBe(2);
  });

  it('gives the form and the benchmark panel one figure for the same config and rates', () => {
    const rates = [bench(w16 * 10, 0.2)];
    const paper = preset('paper');
    const a = estimateSeconds(paper, VOCAB, rates);
    const b = estimateSeconds(structuredClone(paper), VOCAB, [...rates]);
    expect(a).toBeGreaterThan(0);
    expect(a).toBe(b);
  });
});

describe('mergeRates', () => {
  it('lets a sweep’s rates replace the benchmark’s near them and keeps the rest', () => {
    const old = [bench(1e6, 1), bench(1e9, 5)];
    const merged = mergeRates(old, [sweep(1.5e6, 2)]);
    expect(merged).toEqual([sweep(1.5e6, 2), bench(1e9, 5)]);
    // A later benchmark does not displace a sweep's rate either.
    expect(mergeRates(merged, [bench(1.2e6, 0.5), bench(1e9, 4)])).toEqual([
      sweep(1.5e6, 2),
      bench(1e9, 4),
    ]);
    // A newer sweep's rate replaces the older one of about the same step.
    expect(mergeRates(merged, [sweep(1.4e6, 3)])).toEqual([sweep(1.4e6, 3), bench(1e9, 5)]);
  });
});
