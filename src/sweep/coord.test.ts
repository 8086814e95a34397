import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { preset, type SweepConfig } from './config';
import { coordCheck, coordVerdict, type CoordRecord } from './coord';

const gpu = useGpu();

/** Depth 2, fixed 2 heads (head size grows with width), a large-ish Adam LR so updates dominate. */
function config(): SweepConfig {
  const c = preset('tiny');
  return {
    ...c,
    data: { kind: 'synthetic', seed: 0, size: 20_000 },
    model: { ...c.model, depth: 2, heads: 2, context: 16 },
    baseWidth: 16,
    hp: { ...c.hp, lr: 2 ** -6 },
    train: { ...c.train, batch: 2, seeds: [0], stack: 1 },
  };
}

describe('coordinate check', () => {
  let records: CoordRecord[] = [];

  it('records every layer type per width and step', async () => {
    records = await coordCheck(gpu(), config(), { widths: [16, 32, 64, 128], steps: 4 });
    expect(records).toHaveLength(2 * 4 * 4 * 6);
    expect(records.every((r) => Number.isFinite(r.meanAbs) && r.meanAbs > 0)).toBe(true);
    // At the base width the two parametrizations are the same model.
    const at16 = (p: string) =>
      records.filter((r) => r.width === 16 && r.parametrization === p).map((r) => r.meanAbs);
    expect(at16('mup')).toEqual(at16('sp'));
  });

  it('is flat under µP after 3 Adam steps: no layer grows with width', () => {
    const slopes = coordVerdict(records.filter((r) => r.parametrization === 'mup'));
    for (const s of slopes) expect(s.slope, s.layer).toBeLessThanOrEqual(0.1);
  });

  it('grows under SP: readout logits and the residual stream blow up with width', () => {
    const slopes = coordVerdict(records.filter((r) => r.parametrization === 'sp'));
    const slope = (layer: string) => slopes.find((s) => s.layer === layer)!.slope;
    expect(slope('readoutLogits')).toBeGreaterThanOrEqual(0.3);
    expect(slope('blockOutput')).toBeGreaterThanOrEqual(0.3);
  });
});

describe('coordinate check across depths (µP, width 16, base depth 1)', () => {
  /** blockOutput's log-log slope against depth 1, 2, 4 with one depth option. */
  async function blockSlope(depthAlpha: 0 | 0.5 | 1): Promise<number> {
    const c = config();
    const records = await coordCheck(
      gpu(),
      {
        ...c,
        parametrizations: ['mup'],
        model: { ...c.model, depth: 1 },
        baseDepth: 1,
        hp: { ...c.hp, depthAlpha },
      },
      { widths: [16], depths: [1, 2, 4], steps: 3 },
    );
    expect(new Set(records.map((r) => r.width))).toEqual(new Set([1, 2, 4]));
    return coordVerdict(records).find((s) => s.layer === 'blockOutput')!.slope;
  }

  it('keeps the residual stream flat with CompleteP (branches × 1/L); it grows without depth scaling', async () => {
    const completeP = await blockSlope(1);
    const none = await blockSlope(0);
    console.log(
      `blockOutput slope vs depth: CompleteP ${completeP.toFixed(3)}, none ${none.toFixed(3)}`,
    );
    // µP's promise is that nothing grows (a residual stream that is mostly the embedding at
    // large depth may shrink a little).
    expect(completeP).toBeLessThanOrEqual(0.1);
    expect(none).toBeGreaterThanOrEqual(0.25);
  });
});
