/**
 * Memory: 200 consecutive tiny runs in one process hand every pooled buffer back (bytesInUse
 * returns to its start) and stop allocating after the first runs (the pool reuses their
 * buffers); a width whose buffers exceed the adapter's limits is refused up front, naming the
 * largest width that fits.
 */
import { describe, expect, it } from 'vitest';
import { useGpu } from '../gpu';
import {
  largestActivationBytes,
  preset,
  shapeFor,
  validateSweepConfig,
  type SweepConfig,
} from '../../src/sweep/config';
import { prepareData } from '../../src/sweep/data';
import { hpOf } from '../../src/sweep/plan';
import { trainStack } from '../../src/train/trainer';

const gpu = useGpu();

const RUNS = 200;

function tiny(): SweepConfig {
  const c = preset('tiny');
  return {
    ...c,
    model: { ...c.model, context: 4, heads: 2 },
    data: { kind: 'synthetic', seed: 0, size: 5000 },
    widths: [8],
    baseWidth: 8,
    train: { ...c.train, steps: 12, batch: 1, seeds: [0], stack: 1 },
  };
}

describe('memory', () => {
  it(`${RUNS} consecutive tiny runs return every buffer and stop allocating`, async () => {
    const ctx = gpu();
    const c = tiny();
    const data = prepareData(c.data, c.model.context);
    const shape = shapeFor(c, 8, 1, data.vocab);
    const base = shapeFor(c, c.baseWidth, 1, data.vocab);
    const startInUse = ctx.pool.bytesInUse;
    let warm = 0;
    for (let i = 0; i < RUNS; i++) {
      // Alternate 1 and 2 steps, with and without the validation pass.
      const steps = 1 + (i % 2);
      const r = await trainStack(ctx, {
        shape,
        base,
        parametrization: i % 4 < 2 ? 'mup' : 'sp',
        hps: [hpOf(c, -8)],
        seed: i,
        steps,
        batch: c.train.batch,
        schedule: { kind: 'constant' },
        data,
        evalBatches: i % 3 === 0 ? 1 : 0,
      });
      expect(r.runs[0].losses).toHaveLength(steps);
      expect(ctx.pool.bytesInUse, `run ${i}`).toBe(startInUse);
      if (i === 0) warm = ctx.pool.bytesAllocated; // after the first run: no new buffers
      if (i > 0) expect(ctx.pool.bytesAllocated, `run ${i}`).toBe(warm);
    }
    expect(warm).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a width beyond the adapter limits before allocating, naming the widest that fits', () => {
    const ctx = gpu();
    const before = ctx.pool.bytesAllocated;
    const allocations = ctx.pool.allocationCount;
    const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
    // Batch chosen so that width 512's MLP activations [B·T, 4·512] just exceed the limit.
    const c0 = preset('quick');
    const batch = Math.min(1024, Math.floor(limit / (4 * 2048 * 512)) + 1);
    const c: SweepConfig = {
      ...c0,
      model: { ...c0.model, context: 512 },
      widths: [64, 512],
      train: { ...c0.train, batch, stack: 1 },
    };
    const vocab = 96;
    expect(largestActivationBytes(c, 512, vocab)).toBeGreaterThan(limit);
    const errors = validateSweepConfig(c, { vocab, limits: ctx.limits });
    const e = errors.find((x) => x.field === 'widths');
    expect(e, JSON.stringify(errors)).toBeDefined();
    expect(e!.message).toMatch(/Width 512/);
    const fits = Number(/the largest width that fits is (\d+)/.exec(e!.message)?.[1]);
    expect(fits).toBeGreaterThan(0);
    const unit = c.model.heads ?? 1;
    expect(fits % unit).toBe(0);
    expect(largestActivationBytes(c, fits, vocab)).toBeLessThanOrEqual(limit);
    expect(largestActivationBytes(c, fits + unit, vocab)).toBeGreaterThan(limit);
    // With the widest width set to the one named, the config is accepted.
    expect(
      validateSweepConfig({ ...c, widths: [64, fits] }, { vocab, limits: ctx.limits }),
    ).toEqual([]);
    // No run is so huge that nothing fits: then the message says so.
    const hopeless: SweepConfig = { ...c, train: { ...c.train, batch: 1024 } };
    const tiny = { maxStorageBufferBindingSize: 1024, maxBufferSize: 1024 };
    expect(validateSweepConfig(hopeless, { vocab, limits: tiny }).map((x) => x.message)).toEqual([
      expect.stringMatching(/no width fits/),
    ]);
    expect(ctx.pool.bytesAllocated).toBe(before);
    expect(ctx.pool.allocationCount).toBe(allocations);
  });
});
