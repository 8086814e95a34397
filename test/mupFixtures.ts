/** Values the µP rule tests share (src/mup/*.test.ts). */
import { DEFAULT_HYPERPARAMS, type MupHyperparams } from '../src/mup/rules';
import type { GptShape } from '../src/mup/shapes';

/** Distinct, non-default values so that a mixed-up hyperparameter shows. */
export const DISTINCT_HPS: MupHyperparams = {
  ...DEFAULT_HYPERPARAMS,
  lr: 0.01,
  initStd: 0.05,
  alphaIn: 2,
  alphaOut: 3,
  alphaAttn: 1.5,
  weightDecay: 0.1,
  eps: 1e-6,
};

/** A base model with every kind of tensor (biases, untied readout) that transfers are taken from. */
export const BASE_SHAPE: GptShape = {
  width: 32,
  depth: 2,
  heads: 4,
  context: 16,
  vocab: 40,
  tiedReadout: false,
  biases: true,
};
