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
    train: { ...c.train, batch: 2 },
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
