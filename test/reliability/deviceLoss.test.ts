/**
 * Device loss in Node: destroying the device in the middle of a sweep makes `finished` reject
 * with a DeviceLostError (no hang, no message-less AbortError); a sweep restarted on a fresh
 * device with the finished records as `done` trains exactly the missing runs, and every result,
 * the interrupted run's included, equals an uninterrupted sweep's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceLostError, releaseGpu, type GpuContext } from '../../src/gpu';
import { acquireNodeGpu } from '../../src/gpu/node';
import type { SweepConfig } from '../../src/sweep/config';
import { prepareData } from '../../src/sweep/data';
import { planRuns, startSweep, type SweepCallbacks } from '../../src/sweep/scheduler';
import type { RunRecord } from '../../src/sweep/types';
import { tinySweep } from '../tinySweep';

function config(): SweepConfig {
  return tinySweep({ widths: [16, 32], lr: [-8, -6, 2], train: { steps: 8, batch: 4, stack: 1 } });
}
const data = prepareData(config().data, config().model.context);

/** Settles within `ms` or fails the test (a hang is the bug looked for). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms (hang)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function runAll(ctx: GpuContext, c: SweepConfig, done: RunRecord[] = []) {
  const records: RunRecord[] = [];
  const h = startSweep(ctx, c, { data, done, callbacks: { onRunDone: (r) => records.push(r) } });
  const outcome = await within(h.finished, 30_000, 'sweep');
  return { outcome, records };
}

// Timing fields (millis, tokensPerSec) differ run to run; everything else must repeat exactly.
const stripTiming = ({ millis: _m, tokensPerSec: _t, ...rest }: RunRecord) => rest;

type Trigger = 'mid-run (at a loss read-back)' | 'between runs (as a run finishes)';

describe('device loss mid-sweep', () => {
  const c = config();
  const plan = planRuns(c).map((r) => r.id);
  let reference: RunRecord[] = [];

  beforeAll(async () => {
    const ctx = await acquireNodeGpu();
    try {
      const r = await runAll(ctx, c);
      expect(r.outcome).toBe('completed');
      reference = r.records;
    } finally {
      releaseGpu(ctx);
    }
    expect(reference.map((r) => r.id).sort()).toEqual([...plan].sort());
  }, 60_000);

  it.each<Trigger>(['mid-run (at a loss read-back)', 'between runs (as a run finishes)'])(
    'destroyed %s: fails clearly, then resumes without duplicates, gaps or changes',
    async (trigger) => {
      const ctx = await acquireNodeGpu();
      const finished: RunRecord[] = [];
      let destroyed = false;
      let current: string | undefined;
      let interrupted: string | undefined;
      const destroy = () => {
        destroyed = true;
        ctx.device.destroy();
      };
      const callbacks: SweepCallbacks = {
        onRunsStart: (runs) => (current = runs[0].id),
        onRunDone: (r) => {
          finished.push(r);
          if (trigger.startsWith('between') && finished.length === 3 && !destroyed) destroy();
        },
        onProgress: () => {
          if (trigger.startsWith('mid') && finished.length >= 2 && !destroyed) {
            interrupted = current;
            destroy();
          }
        },
      };
      const h = startSweep(ctx, c, { data, callbacks });
      const error = await within(
        h.finished.then(
          (outcome) => new Error(`finished with "${outcome}" after the device was destroyed`),
          (e: unknown) => e,
        ),
        30_000,
        'interrupted sweep',
      );
      expect(destroyed).toBe(true);
      expect(error).toBeInstanceOf(DeviceLostError);
      expect((error as Error).message).toMatch(/GPU device lost \(destroyed\)/);
      expect(finished.length).toBeGreaterThanOrEqual(2);
      expect(finished.length).toBeLessThan(plan.length);
      if (interrupted) expect(finished.map((r) => r.id)).not.toContain(interrupted);
      const before = structuredClone(finished);
      releaseGpu(ctx);

      // Resume on a fresh device.
      const ctx2 = await acquireNodeGpu();
      const resumed = await runAll(ctx2, c, finished).finally(() => releaseGpu(ctx2));
      expect(resumed.outcome).toBe('completed');
      expect(finished).toEqual(before); // the finished runs are unchanged
      const all = [...finished, ...resumed.records].map((r) => r.id);
      expect(new Set(all).size).toBe(all.length); // none duplicated
      expect([...all].sort()).toEqual([...plan].sort()); // none skipped
      if (interrupted) expect(resumed.records.map((r) => r.id)).toContain(interrupted);

      // Every run, the interrupted one included, equals the uninterrupted reference exactly.
      for (const r of [...finished, ...resumed.records]) {
        const ref = reference.find((x) => x.id === r.id)!;
        expect(stripTiming(r), r.id).toEqual(stripTiming(ref));
      }
    },
    60_000,
  );
});
