/**
 * One trainer setup, shared by the training loop (trainer.ts, and through it the coordinate
 * check) and the training benchmark (bench/train.ts): the model of K stacked runs with µP's
 * initial weights, Adam's zeroed moments, the AdamW table (each run's per-tensor lr, ε and weight
 * decay, one clipping group per run) and the encoding of one step: forward, backward, update.
 */
import {
  releaseTensor,
  submitOps,
  uploadTensor,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import type { MupHyperparams, Parametrization } from '../mup/rules';
import type { GptShape } from '../mup/shapes';
import { transfer, type TransferResult } from '../mup/transfer';
import { GptGpu } from '../model/gpt';
import { packParams } from '../model/layout';
import { prepareAdamW, type AdamWOp } from '../ops/adamw';
import { initParams } from './init';

export interface TrainingStepSetup {
  shape: GptShape;
  base: GptShape;
  parametrization: Parametrization;
  /** One hyperparameter set per stacked run; they may differ only in lr and initStd. */
  hps: MupHyperparams[];
  seed: number;
  /** Sequences per run per step. */
  batch: number;
}

export interface TrainingStep {
  readonly model: GptGpu;
  readonly adam: AdamWOp;
  /** Per-tensor values of each stacked run. */
  readonly transfers: readonly TransferResult[];
  /** Every op of one step in order: forward, backward, update. */
  readonly ops: readonly PreparedOp[];
  /** Step number t >= 1 (AdamW's bias corrections) and lr factor of the next encoded update. */
  setStep(step: number, lrScale?: number): void;
  encodeForward(pass: GPUComputePassEncoder): void;
  encodeBackward(pass: GPUComputePassEncoder): void;
  encodeUpdate(pass: GPUComputePassEncoder): void;
  /** Submits the forward pass alone (to inspect activations before the rest of the step). */
  submitForward(label: string): void;
  release(): void;
}

/** The per-tensor values of every stacked run, checking that they can share one model. */
export function transfersFor(setup: TrainingStepSetup): TransferResult[] {
  const results = setup.hps.map((hp) =>
    transfer(hp, setup.parametrization, setup.base, setup.shape),
  );
  const m0 = results[0].multipliers;
  for (const r of results) {
    const m = r.multipliers;
    if (
      m.inputMult !== m0.inputMult ||
      m.readoutMult !== m0.readoutMult ||
      m.attnScale !== m0.attnScale ||
      m.residualMult !== m0.residualMult
    ) {
      throw new Error(
        'Stacked runs must share their multipliers: stack only learning-rate or init-std sweeps',
      );
    }
  }
  return results;
}

export async function prepareTrainingStep(
  ctx: GpuContext,
  setup: TrainingStepSetup,
): Promise<TrainingStep> {
  const K = setup.hps.length;
  const transfers = transfersFor(setup);
  const m = transfers[0].multipliers;
  const model = await GptGpu.create(ctx, {
    shape: setup.shape,
    multipliers: {
      inputMult: m.inputMult,
      attnScale: m.attnScale,
      residualMult: m.residualMult,
      readoutMult: m.readoutMult,
    },
    batch: setup.batch,
    runs: K,
  });
  const moments: GpuTensor[] = [];
  const releaseMoments = () => moments.forEach((t) => releaseTensor(ctx, t));
  let adam: AdamWOp;
  try {
    model.writeParams(
      packParams(
        model.layout,
        transfers.map((t) => initParams(t.tensors, setup.seed)),
      ),
    );
    // Adam's moments, zeroed, in the parameters' layout.
    const zeros = new Float32Array(model.layout.totalSize);
    moments.push(uploadTensor(ctx, zeros, [zeros.length], 'adam m'));
    moments.push(uploadTensor(ctx, zeros, [zeros.length], 'adam v'));
    adam = await prepareAdamW(ctx, {
      params: model.params,
      grads: model.grads,
      m: moments[0],
      v: moments[1],
      tensors: transfers.flatMap((tr, k) =>
        tr.tensors.map((t) => {
          const slot = model.layout.byName.get(t.name)!;
          return {
            offset: k * model.layout.runStride + slot.offset,
            length: slot.size,
            lr: t.lr,
            eps: t.eps,
            weightDecay: t.weightDecay,
            group: k,
            name: t.name,
          };
        }),
      ),
      groups: K,
      beta1: setup.hps[0].beta1,
      beta2: setup.hps[0].beta2,
      clip: setup.hps[0].clip,
      label: 'adamw',
    });
  } catch (e) {
    releaseMoments();
    model.release();
    throw e;
  }
  const update = adam;
  const encodeAll = (ops: readonly PreparedOp[], pass: GPUComputePassEncoder) => {
    for (const op of ops) op.encode(pass);
  };
  return {
    model,
    adam: update,
    transfers,
    ops: [...model.forwardOps, ...model.backwardOps, update],
    setStep: (step, lrScale) => update.setStep(step, lrScale),
    encodeForward: (pass) => encodeAll(model.forwardOps, pass),
    encodeBackward: (pass) => encodeAll(model.backwardOps, pass),
    encodeUpdate: (pass) => update.encode(pass),
    submitForward: (label) => submitOps(ctx, model.forwardOps, label),
    release() {
      update.release();
      releaseMoments();
      model.release();
    },
  };
}
