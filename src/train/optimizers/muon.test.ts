/**
 * Muon in the training loop (src/train/optimizers/muon.ts): it trains under both scalings, stacked
 * runs equal the same runs alone (the Newton-Schulz batches mix runs but never their matrices),
 * and a run that diverges is skipped without touching the others.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMS, type MupHyperparams } from '../../mup/rules';
import { tinyTraining } from '../../../test/tinyTraining';
import { useGpu } from '../../../test/gpu';
import { trainStack } from '../trainer';

const gpu = useGpu();
const { data, setup } = tinyTraining({ depth: 2, biases: true }, { steps: 10, readEvery: 5 });

const hp = (lr: number): MupHyperparams => ({ ...DEFAULT_HYPERPARAMS, optimizer: 'muon', lr });

describe('Muon training', () => {
  for (const parametrization of ['mup', 'sp'] as const) {
    it(`lowers the loss from about log(vocab) (${parametrization})`, async () => {
      const r = await trainStack(gpu(), setup([hp(2e-2)], { steps: 30, parametrization }));
      const run = r.runs[0];
      expect(run.diverged).toBe(false);
      expect(run.losses[0]).toBeCloseTo(Math.log(data.vocab), 0);
      expect(run.finalLoss!).toBeLessThan(run.losses[0] - 0.5);
    });
  }

  it('trains stacked runs as it trains them one by one, and skips only a diverging one', async () => {
    const lrs = [5e-3, 2e-2, 2 ** 12];
    const stacked = await trainStack(gpu(), setup(lrs.map(hp)));
    expect(stacked.runs[2].diverged).toBe(true);
    for (let k = 0; k < 2; k++) {
      const alone = await trainStack(gpu(), setup([hp(lrs[k])]));
      const a = alone.runs[0].losses;
      const s = stacked.runs[k].losses;
      expect(stacked.runs[k].diverged).toBe(false);
      expect(s).toHaveLength(a.length);
      // Same kernels on the same rows in the same order: equal to f32 rounding of the loss mean.
      s.forEach((v, i) => expect(Math.abs(v - a[i])).toBeLessThanOrEqual(1e-6 * a[i]));
    }
  });

  it('differs from AdamW, and its momentum and step count matter', async () => {
    const muon = await trainStack(gpu(), setup([hp(2e-2)]));
    const adam = await trainStack(gpu(), setup([{ ...hp(2e-2), optimizer: 'adamw' }]));
    const mu = await trainStack(gpu(), setup([{ ...hp(2e-2), momentum: 0.5 }]));
    const ns = await trainStack(gpu(), setup([{ ...hp(2e-2), nsSteps: 1 }]));
    const last = (r: typeof muon) => r.runs[0].losses.at(-1);
    expect(last(adam)).not.toEqual(last(muon));
    expect(last(mu)).not.toEqual(last(muon));
    expect(last(ns)).not.toEqual(last(muon));
  });

  it('rejects stacked runs with different momenta', async () => {
    await expect(
      trainStack(gpu(), setup([hp(1e-2), { ...hp(1e-2), momentum: 0.5 }])),
    ).rejects.toThrow(/momentum/);
  });
});
