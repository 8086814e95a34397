/**
 * `mup-lab batches`: a sweep's data as the lab's trainer sees it, for another implementation to
 * compare with (python/tests/test_data.py): the vocabulary, the train/validation split, the first
 * training batches of a seed and the evaluation batches.
 */
import { BatchSampler, DEFAULT_VAL_FRACTION, evalBatches, type Batch } from '../data/batches';
import type { SweepConfig } from '../sweep/config';
import type { PreparedData } from '../sweep/data';
import { exportedConfig } from '../exchange/export';

export const BATCHES_FORMAT = 'mup-lab/batches';

const rows = (b: Batch) => ({ inputs: Array.from(b.inputs), targets: Array.from(b.targets) });

export function writeBatches(config: SweepConfig, data: PreparedData, count: number) {
  const { batch, seeds } = config.train;
  const context = config.model.context;
  const sampler = new BatchSampler(data.train, batch, context, seeds[0]);
  return {
    format: BATCHES_FORMAT,
    version: 1,
    data: exportedConfig(config).data,
    description: data.description,
    vocab: data.chars,
    valFraction: DEFAULT_VAL_FRACTION,
    trainTokens: data.train.length,
    valTokens: data.val.length,
    /** The tokens on each side of the split point, to pin it exactly. */
    trainTail: Array.from(data.train.subarray(-context)),
    valHead: Array.from(data.val.subarray(0, context)),
    batch,
    context,
    seed: seeds[0],
    train: Array.from({ length: count }, () => rows(sampler.next())),
    eval: evalBatches(data.val, batch, context, count).map(rows),
  };
}
