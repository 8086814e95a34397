import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, type MupHyperparams } from '../mup/rules';
import { tinyTraining } from '../../test/tinyTraining';
import { useGpu } from '../../test/gpu';
import { trainStack } from './trainer';

const gpu = useGpu();
const { data, shape, setup } = tinyTraining(
  { depth: 1, biases: false },
  { steps: 12, readEvery: 4 },
);

const hp = (lr: number): MupHyperparams => ({ ...DEFAULT_HYPERPARAMS, lr });

describe('training loop', () => {
  it('lowers the loss, from about log(vocab), and measures throughput', async () => {
    const seen: number[] = [];
    const r = await trainStack(gpu(), setup([hp(1e-2)], { steps: 30 }), {
      onProgress: (step) => seen.push(step),
    });
    const run = r.runs[0];
    expect(run.diverged).toBe(false);
    expect(run.losses).toHaveLength(30);
    expect(run.losses[0]).toBeCloseTo(Math.log(data.vocab), 0);
    expect(run.finalLoss!).toBeLessThan(run.losses[0] - 0.5);
    expect(run.valLoss!).toBeLessThan(run.losses[0]);
    expect(seen).toEqual([4, 8, 12, 16, 20, 24, 28, 30]);
    expect(r.tokensPerSec).toBeGreaterThan(0);
  });

  it('is deterministic per seed and differs across seeds', async () => {
    const a = await trainStack(gpu(), setup([hp(1e-2)]));
    const b = await trainStack(gpu(), setup([hp(1e-2)]));
    const c = await trainStack(gpu(), setup([hp(1e-2)], { seed: 4 }));
    expect(b.runs[0].losses).toEqual(a.runs[0].losses);
    expect(c.runs[0].losses).not.toEqual(a.runs[0].losses);
  });

  it('trains stacked runs exactly as it trains them one by one', async () => {
    // batch 4 × context 16 = 64 rows: stackable.
    const lrs = [3e-3, 1e-2, 3e-2];
    const stacked = await trainStack(gpu(), setup(lrs.map(hp)));
    for (let k = 0; k < lrs.length; k++) {
      const alone = await trainStack(gpu(), setup([hp(lrs[k])]));
      const a = alone.runs[0].losses;
      const s = stacked.runs[k].losses;
      expect(s).toHaveLength(a.length);
      // Same kernels on the same rows in the same order: equal to f32 rounding of the loss mean.
      s.forEach((v, i) => expect(Math.abs(v - a[i])).toBeLessThanOrEqual(1e-6 * a[i]));
    }
  });

  it('trains stacked runs with biases exactly as it trains them one by one', async () => {
    // Each run's linear biases are added in its matmul's epilogue, a parameter stride apart.
    const withBiases = { shape: { ...shape, biases: true }, base: { ...shape, biases: true } };
    const lrs = [3e-3, 3e-2];
    const stacked = await trainStack(gpu(), setup(lrs.map(hp), withBiases));
    for (let k = 0; k < lrs.length; k++) {
      const a = (await trainStack(gpu(), setup([hp(lrs[k])], withBiases))).runs[0].losses;
      const s = stacked.runs[k].losses;
      expect(s).toHaveLength(a.length);
      expect(s[s.length - 1]).toBeLessThan(s[0]);
      s.forEach((v, i) => expect(Math.abs(v - a[i])).toBeLessThanOrEqual(1e-6 * a[i]));
    }
  });

  it('flags a diverging run within a few steps and keeps NaN out of the record', async () => {
    const r = await trainStack(gpu(), setup([hp(1e-2), hp(2 ** 6)], { steps: 20 }));
    expect(r.runs[0].diverged).toBe(false);
    const bad = r.runs[1];
    expect(bad.diverged).toBe(true);
    expect(bad.divergedAtStep!).toBeLessThanOrEqual(5);
    expect(bad.finalLoss).toBeNull();
    expect(bad.valLoss).toBeNull();
    expect(bad.losses.every(Number.isFinite)).toBe(true);
  });

  it('gives SP and µP the same losses at the base width', async () => {
    const mup = await trainStack(gpu(), setup([hp(1e-2)], { parametrization: 'mup' }));
    const sp = await trainStack(gpu(), setup([hp(1e-2)], { parametrization: 'sp' }));
    expect(sp.runs[0].losses).toEqual(mup.runs[0].losses);
    // And they differ once the width is not the base width.
    const wide = { ...shape, width: 32 };
    const mupWide = await trainStack(
      gpu(),
      setup([hp(1e-2)], { shape: wide, parametrization: 'mup' }),
    );
    const spWide = await trainStack(
      gpu(),
      setup([hp(1e-2)], { shape: wide, parametrization: 'sp' }),
    );
    expect(spWide.runs[0].losses).not.toEqual(mupWide.runs[0].losses);
  });

  it('trains with SGD (momentum): lowers the loss, unlike AdamW at the same η', async () => {
    const sgd = (lr: number): MupHyperparams => ({ ...hp(lr), optimizer: 'sgd', momentum: 0.9 });
    const r = await trainStack(gpu(), setup([sgd(0.3)], { steps: 30 }));
    const run = r.runs[0];
    expect(run.diverged).toBe(false);
    expect(run.losses[0]).toBeCloseTo(Math.log(data.vocab), 0);
    expect(run.finalLoss!).toBeLessThan(run.losses[0] - 0.5);
    const adam = await trainStack(gpu(), setup([hp(0.3)], { steps: 30 }));
    expect(adam.runs[0].losses.slice(1)).not.toEqual(run.losses.slice(1));
    await expect(
      trainStack(gpu(), setup([sgd(0.1), { ...sgd(0.3), momentum: 0.5 }])),
    ).rejects.toThrow(/Stacked runs must share their optimizer and its settings/);
  });

  it('trains stacked SGD runs exactly as it trains them one by one', async () => {
    const lrs = [0.03, 0.1, 0.3];
    const sgd = (lr: number): MupHyperparams => ({ ...hp(lr), optimizer: 'sgd', momentum: 0.8 });
    const wide = { shape: { ...shape, width: 32 } };
    const stacked = await trainStack(gpu(), setup(lrs.map(sgd), wide));
    for (let k = 0; k < lrs.length; k++) {
      const alone = await trainStack(gpu(), setup([sgd(lrs[k])], wide));
      const a = alone.runs[0].losses;
      const s = stacked.runs[k].losses;
      expect(s).toHaveLength(a.length);
      s.forEach((v, i) => expect(Math.abs(v - a[i])).toBeLessThanOrEqual(1e-6 * a[i]));
    }
  });

  it('returns every pooled buffer after a run', async () => {
    const ctx = gpu();
    await trainStack(ctx, setup([hp(1e-2)], { steps: 2 }));
    const inUse = ctx.pool.bytesInUse;
    await trainStack(ctx, setup([hp(1e-2)], { steps: 2 }));
    expect(ctx.pool.bytesInUse).toBe(inUse);
    const allocated = ctx.pool.bytesAllocated;
    await trainStack(ctx, setup([hp(1e-2)], { steps: 2 }));
    expect(ctx.pool.bytesAllocated).toBe(allocated); // reused, nothing new
  });
});
