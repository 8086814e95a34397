/**
 * µTransfer with Muon (src/train/optimizers/muon.ts), on the model and grid of the AdamW transfer
 * test (transfer.test.ts) but a narrower grid (log2 -8 to -3, step 1) over widths 16, 32 and 64. µP-Muon
 * (the spectral scale √(fan_out/fan_in), µP's AdamW rules on the other tensors) keeps the fitted
 * optimum within half an octave per width doubling; SP-Muon (Moonlight's 0.2·√max(fan_in, fan_out),
 * which grows as √width) moves it down, as Megatron-LM PR 3058 measures. Deterministic per seed on
 * one adapter. The drifts are printed.
 */
import { MUON_DEFAULT_MOMENTUM } from '../mup/optimizers';
import { describe, expect, it } from 'vitest';
import { configFromFlags, SWEEP_FLAGS } from '../cli/args';
import { parseFlags } from '../cli/flags';
import { useGpu } from '../../test/gpu';
import { analyzeSweep } from '../analysis/analysis';
import { prepareData } from './data';
import { toOutcomes } from '../analysis/outcomes';
import { startSweep } from './scheduler';
import type { RunRecord } from './types';

const gpu = useGpu();

describe('µTransfer with Muon', () => {
  it('keeps the optimal learning rate across a 4x span of widths under µP-Muon, not SP-Muon', async () => {
    const argv = [
      ...'--widths 16,32,64 --depth 1 --heads 2 --context 16 --lr-log2=-8:-3 --steps 20'.split(' '),
      ...'--batch 4 --seed 0 --stack 6 --corpus-size 50000 --parametrization sp,mup'.split(' '),
    ];
    const parsed = parseFlags('sweep', argv, SWEEP_FLAGS);
    if (parsed.help) throw new Error('unexpected --help');
    const base = configFromFlags(parsed.values, () => new Uint8Array());
    const config = {
      ...base,
      hp: { ...base.hp, optimizer: 'muon' as const, momentum: MUON_DEFAULT_MOMENTUM },
    };
    const data = prepareData(config.data, config.model.context);
    const records: RunRecord[] = [];
    await startSweep(gpu(), config, { data, callbacks: { onRunDone: (r) => records.push(r) } })
      .finished;
    const analysis = analyzeSweep(toOutcomes(records, 'width'), { baseWidth: config.baseWidth });
    const of = (p: string) => analysis.find((a) => a.parametrization === p)!;
    const mup = of('mup');
    const sp = of('sp');
    console.log(
      [mup, sp]
        .map(
          (a) =>
            `Muon ${a.parametrization}: optima ${a.optima.map((o) => o.fitLog2.toFixed(2)).join(', ')}; ` +
            `drift ${a.drift?.value.toFixed(2)} ± ${a.drift?.sd?.toFixed(2)}; ` +
            `penalty ${a.penalty?.loss?.toFixed(3)}`,
        )
        .join('\n'),
    );
    const grid = (a: typeof mup) => a.optima.map((o) => o.gridLog2);
    expect(grid(mup)).toHaveLength(3);
    expect(grid(sp)).toHaveLength(3);
    // Every optimum inside the grid (not at an edge): the grid brackets them.
    for (const o of [...grid(mup), ...grid(sp)]) {
      expect(o).toBeGreaterThan(-8);
      expect(o).toBeLessThan(-3);
    }
    expect(Math.abs(mup.drift!.value)).toBeLessThanOrEqual(0.5);
    expect(sp.drift!.value).toBeLessThan(-0.5);
    // Transferring the base optimum costs SP-Muon more loss at the widest width than µP-Muon.
    expect(sp.penalty!.diverged || sp.penalty!.loss! > mup.penalty!.loss!).toBe(true);
  }, 600_000);
});
