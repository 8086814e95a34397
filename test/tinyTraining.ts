/** A tiny GPT on synthetic text for the trainer's tests: its data, its shape and a run set-up. */
import type { MupHyperparams } from '../src/mup/rules';
import type { GptShape } from '../src/mup/shapes';
import { prepareData } from '../src/sweep/data';
import type { TrainSetup } from '../src/train/trainer';

export interface TinyTraining {
  data: ReturnType<typeof prepareData>;
  shape: GptShape;
  /** A µP run of `hps` on `shape` (its own base), seed 3, batch 4, constant LR; `overrides` last. */
  setup(hps: MupHyperparams[], overrides?: Partial<TrainSetup>): TrainSetup;
}

/** Width 16, 2 heads, context 16, untied readout; `model` sets depth and biases, `run` the length. */
export function tinyTraining(
  model: Pick<GptShape, 'depth' | 'biases'>,
  run: Pick<TrainSetup, 'steps' | 'readEvery'>,
): TinyTraining {
  const data = prepareData({ kind: 'synthetic', seed: 0, size: 20_000 }, 16);
  const shape: GptShape = {
    width: 16,
    heads: 2,
    context: 16,
    vocab: data.vocab,
    tiedReadout: false,
    ...model,
  };
  return {
    data,
    shape,
    setup: (hps, overrides = {}) => ({
      shape,
      base: shape,
      parametrization: 'mup',
      hps,
      seed: 3,
      batch: 4,
      schedule: { kind: 'constant' },
      data,
      ...run,
      ...overrides,
    }),
  };
}
