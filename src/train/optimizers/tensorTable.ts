import type { TransferResult } from '../../mup/transfer';
import type { OptimizerSetup } from './types';

type TensorValues = TransferResult['tensors'][number];

/** One tensor of one run in the stacked parameters, with its per-tensor values (run k: group k). */
export interface StackedTensor {
  offset: number;
  length: number;
  lr: number;
  eps: number;
  weightDecay: number;
  group: number;
  name: string;
  statsOnly?: boolean;
}

/**
 * The tensor table of an elementwise update (adamw.wgsl, sgd.wgsl): every tensor of every run at
 * its place in the stacked parameters. `statsOnly` marks the tensors another optimizer updates.
 */
export function stackedTensors(
  { model, transfers }: OptimizerSetup,
  statsOnly?: (t: TensorValues) => boolean,
): StackedTensor[] {
  const { layout } = model;
  return transfers.flatMap((tr, k) =>
    tr.tensors.map((t) => {
      const slot = layout.byName.get(t.name)!;
      return {
        offset: k * layout.runStride + slot.offset,
        length: slot.size,
        lr: t.lr,
        eps: t.eps,
        weightDecay: t.weightDecay,
        group: k,
        ...(statsOnly ? { statsOnly: statsOnly(t) } : {}),
        name: t.name,
      };
    }),
  );
}
