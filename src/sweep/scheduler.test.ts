import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { runCount, type SweepConfig } from './config';
import { prepareData } from './data';
import { planRuns, startSweep, trainOne } from './scheduler';
import { stacksOf } from './plan';
import type { RunRecord } from './types';
import { sortedIds, tinySweep, trainSweep } from '../../test/tinySweep';

const gpu = useGpu();

function tiny(): SweepConfig {
  return tinySweep({ widths: [16, 32], lr: [-8, -6, 2], train: { steps: 4, batch: 4, stack: 2 } });
}
const data = prepareData(tiny().data, tiny().model.context);

describe('sweep scheduler', () => {
  it('plans every run once, stacks learning rates of one width, narrow widths first', () => {
    const c = tiny();
    const runs = planRuns(c);
    expect(runs).toHaveLength(runCount(c));
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    expect(runs[0].width).toBe(16);
    const stacks = stacksOf(c, runs);
    expect(stacks.every((s) => s.length === 2)).toBe(true); // 4 × 16 = 64 rows: stackable
    expect(
      stacksOf({ ...c, sweep: { ...c.sweep, name: 'alphaOut' } }, runs).every(
        (s) => s.length === 1,
      ),
    ).toBe(true);
    expect(
      stacksOf({ ...c, train: { ...c.train, batch: 3 } }, runs).every((s) => s.length === 1),
    ).toBe(true);
  });

  it('runs a sweep to completion, skips finished runs on resume, and the results repeat', async () => {
    const c = tiny();
    const { outcome, records } = await trainSweep(gpu(), c, data);
    expect(outcome).toBe('completed');
    expect(sortedIds(records)).toEqual(sortedIds(planRuns(c)));
    for (const r of records) {
      expect(r.losses).toHaveLength(4);
      expect(r.finalLoss).not.toBeNull();
    }
    // Resume with half done: only the other half runs, and equals the first time.
    const resumed = await trainSweep(gpu(), c, data, records.slice(0, 4));
    expect(resumed.outcome).toBe('completed');
    const again = resumed.records;
    expect(sortedIds(again)).toEqual(sortedIds(records.slice(4)));
    for (const r of again) expect(r.losses).toEqual(records.find((x) => x.id === r.id)!.losses);
  });

  it('pauses, resumes and cancels', async () => {
    const c = tiny();
    const done: RunRecord[] = [];
    let progress = 0;
    const h = startSweep(gpu(), c, {
      data,
      callbacks: { onRunDone: (r) => done.push(r), onProgress: () => progress++ },
    });
    h.pause();
    expect(h.paused).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(progress).toBe(0); // held before the first step
    h.resume();
    while (done.length < 2) await new Promise((r) => setTimeout(r, 20));
    h.cancel();
    expect(await h.finished).toBe('cancelled');
    expect(done.length).toBeLessThan(runCount(c));
  });

  it('sweeps depths for depth transfer (depth-µP residual scaling)', async () => {
    const c: SweepConfig = {
      ...tiny(),
      axis: 'depth',
      depths: [1, 2],
      widths: [16],
      baseDepth: 1,
      parametrizations: ['mup'],
      hp: { ...tiny().hp, depthAlpha: 0.5 },
      sweep: { name: 'lr', log2Min: -7, log2Max: -7, log2Step: 1 },
    };
    const { outcome, records } = await trainSweep(gpu(), c, data);
    expect(outcome).toBe('completed');
    expect(records.map((r) => [r.width, r.depth])).toEqual([
      [16, 1],
      [16, 2],
    ]);
    expect(records.every((r) => r.finalLoss !== null)).toBe(true);
  });

  it('trains one extra run with the transferred hyperparameters', async () => {
    const r = await trainOne(
      gpu(),
      tiny(),
      { parametrization: 'mup', width: 48, depth: 1, seed: 0, log2Hp: -7 },
      {},
      data,
    );
    expect(r.id).toBe('mup:w48:d1:s0:h-7');
    expect(r.losses).toHaveLength(4);
  });
});
