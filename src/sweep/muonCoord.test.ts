/**
 * The coordinate check with Muon (src/train/optimizers/muon.ts), as coord.test.ts does for AdamW:
 * under µP-Muon (spectral scale √(fan_out/fan_in) on the hidden matrices, µP's AdamW rules on the
 * rest) no layer's activations grow with width after a few steps; under SP-Muon (Moonlight's
 * 0.2·√max(fan_in, fan_out), which grows as √width) the MLP output and the logits do. The slopes
 * are printed.
 */
import { MUON_DEFAULT_MOMENTUM } from '../mup/optimizers';
import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { preset, type SweepConfig } from './config';
import { coordCheck, coordVerdict } from './coord';

const gpu = useGpu();

/** coord.test.ts's model (depth 2, 2 heads, widths from 16) with Muon at a large-ish LR. */
function config(): SweepConfig {
  const c = preset('tiny');
  return {
    ...c,
    data: { kind: 'synthetic', seed: 0, size: 20_000 },
    model: { ...c.model, depth: 2, heads: 2, context: 16 },
    baseWidth: 16,
    hp: { ...c.hp, lr: 2 ** -5, optimizer: 'muon', momentum: MUON_DEFAULT_MOMENTUM },
    train: { ...c.train, batch: 2 },
  };
}

describe('coordinate check with Muon', () => {
  it('is flat under µP-Muon; the MLP output and logits grow under SP-Muon', async () => {
    const records = await coordCheck(gpu(), config(), { widths: [16, 32, 64, 128], steps: 4 });
    expect(records).toHaveLength(2 * 4 * 4 * 6);
    const slopes = (p: string) => coordVerdict(records.filter((r) => r.parametrization === p));
    const mup = slopes('mup');
    const sp = slopes('sp');
    console.log(
      [mup, sp]
        .map(
          (s, i) =>
            `${['µP', 'SP'][i]}-Muon slopes: ${s.map((x) => `${x.layer} ${x.slope.toFixed(2)}`).join(', ')}`,
        )
        .join('\n'),
    );
    for (const s of mup) expect(s.slope, s.layer).toBeLessThanOrEqual(0.1);
    const slope = (layer: string) => sp.find((s) => s.layer === layer)!.slope;
    // Measured here: mlpOutput 0.58, readoutLogits 0.68 (the residual stream itself 0.14).
    expect(slope('mlpOutput')).toBeGreaterThanOrEqual(0.3);
    expect(slope('readoutLogits')).toBeGreaterThanOrEqual(0.3);
  }, 300_000);
});
