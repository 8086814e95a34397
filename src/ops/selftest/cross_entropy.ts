/**
 * cross_entropy self-test: fused forward + backward, 70 rows (past one 64-row workgroup) of
 * vocab 65 (past one 64-thread row), two stacked runs of 35 rows, µP logit multiplier 0.5,
 * gradient scale 1.5, logits uniform in [-6, 6]. Bounds as in src/ops/cross_entropy.test.ts, per
 * row with z = 0.5 l, x = z - max, E = sum_i p_i (3 + 2|x_i|) (exp's accuracy, relative to the
 * sum) and d the roundings of the sum of exponentials:
 *   row loss: u (3 max|z| + E + d + 4 |loss| + 4) + 2^-21 (log's absolute accuracy near 1);
 *   dLogits:  |c| u (p_i (|z_i| + 3|x_i| + 3 + E + d + 6) + 2 [i = target]), c = 1.5 * 0.5 / 35;
 *   run mean: the mean of its rows' bounds + (meanDepth) u |mean|.
 * d and meanDepth are those of the variant that runs (forced, or the one the adapter gets).
 */
import { crossEntropyRef } from '../../reference/cross_entropy';
import { Rng } from '../../util/random';
import {
  CROSS_ENTROPY_VARIANT_REGISTRY,
  crossEntropyVariantOn,
  prepareCrossEntropy,
} from '../cross_entropy';
import { subgroupLanes } from '../subgroups';
import { crossEntropyBounds, crossEntropyMeanDepth, crossEntropySumDepth } from '../errorBounds';
import { asVariant } from '../variants';
import { worstRatio, scopedSelfTest } from './common';

export const crossEntropySelfTest = scopedSelfTest(
  'cross_entropy',
  async (scope, worst, variantName) => {
    const { ctx } = scope;
    const shape = { rows: 70, vocab: 65, runs: 2, logitScale: 0.5, gradScale: 1.5 };
    const { rows, vocab, runs } = shape;
    const variant = crossEntropyVariantOn(
      ctx,
      vocab,
      rows,
      asVariant(CROSS_ENTROPY_VARIANT_REGISTRY, variantName),
    );
    const perRun = rows / runs;
    const rng = new Rng(17);
    const logits = rng.uniformArray(rows * vocab, -6, 6);
    const targets = Uint32Array.from({ length: rows }, () => rng.int(vocab));
    const tRowLoss = scope.output(rows, 'rowLoss');
    const tLoss = scope.output(runs, 'loss');
    const tdLogits = scope.output(rows * vocab, 'dLogits');
    const op = await scope.op(
      prepareCrossEntropy(ctx, {
        ...shape,
        logits: scope.upload(logits, 'logits'),
        targets: scope.upload(targets, 'targets'),
        dLogits: tdLogits,
        rowLoss: tRowLoss,
        loss: tLoss,
        variant,
      }),
    );
    await scope.run([op], 'selftest cross_entropy');

    const ref = crossEntropyRef(logits, targets, shape);
    const depths = {
      sum: crossEntropySumDepth(variant, vocab, subgroupLanes(ctx.features)),
      mean: crossEntropyMeanDepth(variant, perRun),
    };
    const { lossBound, gradBound, meanBound } = crossEntropyBounds(
      logits,
      targets,
      shape,
      ref,
      depths,
    );

    worst.add(
      'row loss',
      worstRatio(await scope.read(tRowLoss), ref.rowLoss, (r) => lossBound[r]),
    );
    worst.add(
      'mean loss',
      worstRatio(await scope.read(tLoss), ref.loss, (k) => meanBound[k]),
    );
    worst.add(
      'dLogits',
      worstRatio(await scope.read(tdLogits), ref.dLogits, (i) => gradBound[i]),
    );
    return `${rows}x${vocab} [${variant}], 2 runs, logit scale 0.5, fused forward/backward`;
  },
);
