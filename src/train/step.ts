/**
 * One trainer setup, shared by the training loop (trainer.ts, and through it the coordinate
 * check) and the training benchmark (bench/train.ts): the model of K stacked runs with µP's
 * initial weights, the run's optimizer (hp.optimizer: its state and update, src/train/optimizers)
 * and the encoding of one step: forward, backward, update.
 */
import { submitOps, type GpuContext, type PreparedOp } from '../gpu';
import type { MupHyperparams, Parametrization } from '../mup/rules';
import type { GptShape } from '../mup/shapes';
import { transfer, type TransferResult } from '../mup/transfer';
import { GptGpu } from '../model/gpt';
import { packParams } from '../model/layout';
import { initParams } from './init';
import { GPU_OPTIMIZERS, type OptimizerUpdateOp } from './optimizers';

export interface TrainingStepSetup {
  shape: GptShape;
  base: GptShape;
  parametrization: Parametrization;
  /**
   * One hyperparameter set per stacked run; they may differ only in lr and initStd (one
   * optimizer update serves them all).
   */
  hps: MupHyperparams[];
  seed: number;
  /** Sequences per run per step. */
  batch: number;
}

export interface TrainingStep {
  readonly model: GptGpu;
  /** The run's optimizer update; its `stats` carry each run's gradient norm and skip flag. */
  readonly optimizer: OptimizerUpdateOp;
  /** Per-tensor values of each stacked run. */
  readonly transfers: readonly TransferResult[];
  /** Every op of one step in order: forward, backward, update. */
  readonly ops: readonly PreparedOp[];
  /** Step number t >= 1 (e.g. Adam's bias corrections) and lr factor of the next update. */
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
  const o0 = results[0].optimizer;
  for (const r of results) {
    const o = r.optimizer;
    if (o.name !== o0.name || o.beta1 !== o0.beta1 || o.beta2 !== o0.beta2 || o.clip !== o0.clip) {
      throw new Error('Stacked runs must share their optimizer, its betas and its gradient clip');
    }
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
    runs: setup.hps.length,
  });
  let update: OptimizerUpdateOp;
  try {
    model.writeParams(
      packParams(
        model.layout,
        transfers.map((t) => initParams(t.tensors, setup.seed)),
      ),
    );
    update = await GPU_OPTIMIZERS[transfers[0].optimizer.name].prepare(ctx, { model, transfers });
  } catch (e) {
    model.release();
    throw e;
  }
  const encodeAll = (ops: readonly PreparedOp[], pass: GPUComputePassEncoder) => {
    for (const op of ops) op.encode(pass);
  };
  return {
    model,
    optimizer: update,
    transfers,
    ops: [...model.forwardOps, ...model.backwardOps, update],
    setStep: (step, lrScale) => update.setStep(step, lrScale),
    encodeForward: (pass) => encodeAll(model.forwardOps, pass),
    encodeBackward: (pass) => encodeAll(model.backwardOps, pass),
    encodeUpdate: (pass) => update.encode(pass),
    submitForward: (label) => submitOps(ctx, model.forwardOps, label),
    release() {
      update.release();
      model.release();
    },
  };
}
