/**
 * Presets bracket their optima: on the built-in corpus, every width's loss-vs-LR optimum lies
 * strictly inside the preset's grid, for SP and µP, on the final training loss and on the
 * validation loss (the transfer chart's default). Tiny runs here (CI size, a CPU adapter is
 * enough). Quick trains widths up to 128 for 60 steps, about an hour on a CPU fallback adapter,
 * so its check here runs only with MUP_LAB_SLOW=1 (on a machine with a GPU); `npm test` checks
 * the same 108 runs trained in PyTorch (python/tests/test_sweep.py, from `mup-lab plan`: each
 * run starts from the lab run's weights and sees its batches), which take minutes on a CPU.
 */
import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { analyzeSweep } from '../analysis/analysis';
import { preset, runCount, type PresetName } from './config';
import { startSweep } from './scheduler';
import type { RunRecord } from './types';

const gpu = useGpu();

async function optimaOf(name: PresetName) {
  const c = preset(name);
  const records: RunRecord[] = [];
  const outcome = await startSweep(gpu(), c, { callbacks: { onRunDone: (r) => records.push(r) } })
    .finished;
  expect(outcome).toBe('completed');
  expect(records).toHaveLength(runCount(c));
  const analyze = (loss: (r: RunRecord) => number | null) =>
    analyzeSweep(records.map((r) => ({ ...r, finalLoss: (r.diverged ? null : loss(r)) ?? NaN })));
  return { train: analyze((r) => r.finalLoss), validation: analyze((r) => r.valLoss) };
}

function expectBracketed(analyses: Awaited<ReturnType<typeof optimaOf>>, widths: number[]) {
  for (const [metric, analysis] of Object.entries(analyses)) {
    expect(analysis.map((a) => a.parametrization).sort()).toEqual(['mup', 'sp']);
    for (const a of analysis) {
      const where = `${metric} loss, ${a.parametrization}`;
      console.log(
        `${where}: ${a.optima.map((o) => `${o.width} ${o.gridLog2} (fit ${o.fitLog2.toFixed(2)})`).join(', ')}`,
      );
      expect(a.optima.map((o) => o.width)).toEqual(widths);
      for (const o of a.optima) expect(o.atEdge, `${where} width ${o.width}`).toBe(false);
    }
  }
}

describe('presets bracket every optimum', () => {
  it('Tiny', async () => {
    expectBracketed(await optimaOf('tiny'), [16, 32, 64]);
  });

  it('Tiny, SGD', async () => {
    expectBracketed(await optimaOf('tiny-sgd'), [16, 32, 64]);
  }, 120_000);

  it('Tiny, Muon', async () => {
    expectBracketed(await optimaOf('tiny-muon'), [16, 32, 64]);
  }, 600_000);

  it.runIf(process.env.MUP_LAB_SLOW === '1')(
    'Quick (MUP_LAB_SLOW=1)',
    async () => {
      expectBracketed(await optimaOf('quick'), [32, 64, 128]);
    },
    7_200_000,
  );
});
