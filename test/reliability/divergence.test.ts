/**
 * Divergence: a sweep whose learning-rate grid reaches 2^2 completes, flags every run that blows
 * up early (divergedAtStep ≤ 5), and its export holds no NaN/Infinity and re-imports.
 */
import { describe, expect, it } from 'vitest';
import { useGpu } from '../gpu';
import type { SweepConfig } from '../../src/sweep/config';
import { prepareData } from '../../src/sweep/data';
import { buildExport } from '../../src/exchange/export';
import { parseImport } from '../../src/exchange/exportParse';
import { planRuns } from '../../src/sweep/scheduler';
import { divergenceBound } from '../../src/train/divergence';
import { sortedIds, tinySweep, trainSweep } from '../tinySweep';

const gpu = useGpu();

function config(): SweepConfig {
  return tinySweep({
    widths: [16, 32],
    lr: [-8, 2, 2],
    // batch × context = 64: the six learning rates of one width train as one stack.
    train: { steps: 8, batch: 4, stack: 6 },
  });
}

describe('divergence in a sweep', () => {
  it('flags runs that blow up, completes, and exports finite numbers only', async () => {
    const c = config();
    const data = prepareData(c.data, c.model.context);
    const { outcome, records } = await trainSweep(gpu(), c, data);
    expect(outcome).toBe('completed');
    expect(sortedIds(records)).toEqual(sortedIds(planRuns(c)));

    const bound = divergenceBound(data.vocab);
    const diverged = records.filter((r) => r.diverged);
    // Adam with η = 4 throws the weights far in one step: every such run blows up.
    for (const r of records.filter((x) => x.log2Hp === 2)) expect(r.diverged, r.id).toBe(true);
    for (const r of diverged) {
      expect(r.divergedAtStep, r.id).not.toBeNull();
      expect(r.divergedAtStep!, r.id).toBeGreaterThanOrEqual(1);
      expect(r.divergedAtStep!, r.id).toBeLessThanOrEqual(5);
      expect(r.finalLoss, r.id).toBeNull();
      expect(r.valLoss, r.id).toBeNull();
      // The curve stops before the divergence and holds only finite, in-bound losses.
      expect(r.losses.length, r.id).toBeLessThan(r.divergedAtStep!);
      for (const l of r.losses) expect(Number.isFinite(l) && l <= bound, r.id).toBe(true);
    }
    // Runs not flagged trained every step with finite, in-bound losses.
    for (const r of records.filter((x) => !x.diverged)) {
      expect(r.losses, r.id).toHaveLength(c.train.steps);
      for (const l of r.losses) expect(Number.isFinite(l) && l <= bound, r.id).toBe(true);
      expect(Number.isFinite(r.finalLoss), r.id).toBe(true);
      expect(Number.isFinite(r.valLoss), r.id).toBe(true);
    }
    // The small learning rates train normally.
    expect(records.filter((r) => r.log2Hp === -8).every((r) => !r.diverged)).toBe(true);

    for (const parametrization of ['mup', 'sp'] as const) {
      const doc = buildExport({
        config: c,
        records,
        vocab: data.vocab,
        targetWidth: 256,
        parametrization,
        environment: { adapter: 'test', date: new Date('2026-01-01T00:00:00Z') },
      });
      const text = JSON.stringify(doc);
      expect(text).not.toMatch(/NaN|Infinity/);
      const back = parseImport(text);
      expect(back.ok, back.ok ? '' : back.message).toBe(true);
      if (back.ok) {
        expect(back.doc.evidence.runs).toHaveLength(records.length);
        expect(back.doc.evidence.runs.filter((r) => r.diverged)).toHaveLength(diverged.length);
      }
    }
  }, 60_000);
});
