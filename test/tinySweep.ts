/** The small learning-rate sweeps that the scheduler's and the reliability tests really train. */
import type { GpuContext } from '../src/gpu';
import { preset, type SweepConfig } from '../src/sweep/config';
import { prepareData, type PreparedData } from '../src/sweep/data';
import { startSweep, type SweepHandle } from '../src/sweep/scheduler';
import type { RunRecord } from '../src/sweep/types';

export interface TinySweep {
  widths: number[];
  /** The log2 learning-rate grid: min, max, step. */
  lr: [number, number, number];
  /** Over the Tiny preset's training; one seed unless given. */
  train: Partial<SweepConfig['train']>;
  baseWidth?: number;
}

/** The Tiny preset on 20 000 characters of synthetic text (seed 0), sweeping the learning rate. */
export function tinySweep({ widths, lr, train, baseWidth }: TinySweep): SweepConfig {
  const c = preset('tiny');
  const [log2Min, log2Max, log2Step] = lr;
  return {
    ...c,
    data: { kind: 'synthetic', seed: 0, size: 20_000 },
    widths,
    baseWidth: baseWidth ?? c.baseWidth,
    sweep: { name: 'lr', log2Min, log2Max, log2Step },
    train: { ...c.train, seeds: [0], ...train },
  };
}

/** How a sweep trained to its end went: its outcome and its runs' records in finishing order. */
export interface TrainedSweep {
  outcome: Awaited<SweepHandle['finished']>;
  records: RunRecord[];
}

/** Trains `c` on `ctx` until it ends (`done` runs are skipped, as on a resume). */
export async function trainSweep(
  ctx: GpuContext,
  c: SweepConfig,
  data: PreparedData = prepareData(c.data, c.model.context),
  done?: RunRecord[],
): Promise<TrainedSweep> {
  const records: RunRecord[] = [];
  const handle = startSweep(ctx, c, {
    data,
    done,
    callbacks: { onRunDone: (r) => records.push(r) },
  });
  return { outcome: await handle.finished, records };
}

/** The ids of `runs`, sorted: what trained, to compare with what was planned. */
export function sortedIds(runs: readonly { id: string }[]): string[] {
  return runs.map((r) => r.id).sort();
}
