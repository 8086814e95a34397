/**
 * µTransfer itself, on a model small enough for CI: a log2 learning-rate grid with step 1 and a
 * 4x span of widths. Under µP every width's best learning rate stays within one grid step of
 * the narrowest width's; under SP the widest model's best learning rate is at least two steps
 * (4x) smaller than the narrowest's. Deterministic per seed on one adapter.
 */
import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { analyzeSweep } from './analysis';
import { preset, type SweepConfig } from './config';
import { startSweep } from './scheduler';
import type { RunRecord } from './types';

const gpu = useGpu();

function config(): SweepConfig {
  const c = preset('tiny');
  return {
    ...c,
    data: { kind: 'synthetic', seed: 0, size: 50_000 },
    model: { ...c.model, depth: 1, heads: 2, context: 16 },
    widths: [16, 32, 64],
    baseWidth: 16,
    baseDepth: 1,
    sweep: { name: 'lr', log2Min: -10, log2Max: -2, log2Step: 1 },
    train: { steps: 20, batch: 4, seeds: [0], schedule: { kind: 'constant' }, stack: 9 },
  };
}

describe('µTransfer', () => {
  it('keeps the optimal learning rate across a 4x span of widths under µP, not under SP', async () => {
    const c = config();
    const records: RunRecord[] = [];
    const outcome = await startSweep(gpu(), c, { callbacks: { onRunDone: (r) => records.push(r) } })
      .finished;
    expect(outcome).toBe('completed');
    const analysis = analyzeSweep(records.map((r) => ({ ...r, finalLoss: r.finalLoss ?? NaN })));
    const grid = (p: string) =>
      analysis.find((a) => a.parametrization === p)!.optima.map((o) => o.gridLog2);
    const mup = grid('mup');
    const sp = grid('sp');
    expect(mup).toHaveLength(3);
    expect(sp).toHaveLength(3);
    for (const o of mup) expect(Math.abs(o - mup[0])).toBeLessThanOrEqual(1);
    expect(sp[0] - sp[sp.length - 1]).toBeGreaterThanOrEqual(2);
    // The narrowest width is the base width: there SP and µP are the same model.
    expect(sp[0]).toBe(mup[0]);
  });
});
