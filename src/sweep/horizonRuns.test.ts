/**
 * The horizon runs of a cosine sweep, really trained (Dawn; CI size: width 16, three learning
 * rates, 8 steps): each is a run of its own length with its own full schedule, and the horizon
 * analysis reads them beside the sweep's full-length runs.
 */
import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import type { SweepConfig } from './config';
import { prepareData } from './data';
import { horizonAnalysis, planHorizonRuns } from './horizon';
import { runSession } from './session';
import { tinySweep, trainSweep } from '../../test/tinySweep';

const gpu = useGpu();

function cosineSweep(): SweepConfig {
  return tinySweep({
    widths: [16],
    baseWidth: 16,
    lr: [-8, -4, 2],
    train: { steps: 8, stack: 3, schedule: { kind: 'cosine', warmupSteps: 4, minRatio: 0.1 } },
  });
}

async function train(c: SweepConfig) {
  const { outcome, records } = await trainSweep(gpu(), c);
  expect(outcome).toBe('completed');
  return records;
}

describe('horizon runs under a cosine schedule (trained)', () => {
  it('trains each shorter horizon with its own schedule and analyzes every horizon', async () => {
    const c = cosineSweep();
    // The session as the CLI runs it: the grid, its analysis, then the horizon runs.
    const events: string[] = [];
    const { records: sweep, horizonRuns: horizons } = await runSession(gpu(), c, {
      data: prepareData(c.data, c.model.context),
      horizons: true,
      onPartStart: (part, total) => events.push(`${part} ${total}`),
      onRunDone: (_r, part, done, total) => done === total && events.push(`${part} done`),
      onGridDone: (records) => events.push(`analysis of ${records.length}`),
    });
    expect(events).toEqual(['grid 6', 'grid done', 'analysis of 6', 'horizon 12', 'horizon done']);
    const plan = planHorizonRuns(c);
    expect(plan).toHaveLength(2 * 2 * 3); // horizons 2 and 4 × SP, µP × 3 LRs
    expect(horizons.map((r) => r.id).sort()).toEqual(plan.map((r) => r.id).sort());
    for (const r of horizons) expect(r.losses).toHaveLength(r.steps!);

    // A 4-step horizon run is the 4-step sweep of the same recipe (warm-up 2 of 4), exactly...
    const four = await train({
      ...c,
      train: { ...c.train, steps: 4, schedule: { kind: 'cosine', warmupSteps: 2, minRatio: 0.1 } },
    });
    for (const r of four) {
      const h = horizons.find(
        (x) => x.steps === 4 && x.parametrization === r.parametrization && x.log2Hp === r.log2Hp,
      )!;
      expect(h.losses).toEqual(r.losses);
    }
    // ...and not the first 4 steps of the 8-step run (its learning rate has not decayed).
    const h4 = horizons.find((x) => x.steps === 4 && x.parametrization === 'mup')!;
    const full = sweep.find((x) => x.parametrization === 'mup' && x.log2Hp === h4.log2Hp)!;
    expect(h4.losses.slice(2)).not.toEqual(full.losses.slice(2, 4));

    const result = horizonAnalysis(c, sweep, horizons);
    if (!result.ok) throw new Error(result.reason);
    expect(result.horizon).toMatchObject({ scaled: 16, steps: [2, 4, 8], separate: true });
    for (const a of result.horizon.analyses) {
      expect(a.optima.map((o) => o.width)).toEqual([2, 4, 8]);
      expect(Number.isFinite(a.drift!.value)).toBe(true);
      expect(a.verdict).toMatch(/from steps 2 to 8/);
    }
  });
});
