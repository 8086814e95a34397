/** The small learning-rate sweeps that the scheduler's and the reliability tests really train. */
import { preset, type SweepConfig } from '../src/sweep/config';

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
