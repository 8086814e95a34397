/**
 * `mup-lab plan`: a sweep's runs as data, to train them outside the lab (`python -m
 * mup_lab.sweep` trains them in PyTorch, on a CUDA GPU or the CPU). Everything a run depends on
 * is spelled out, so the other side plans nothing: the training text, and per run its
 * hyperparameters (the swept one set), base and target shapes; with the trainer's constants
 * (steps, batch, schedule, evaluation batches, final-loss window, divergence bound). Each run's
 * init and batches come from its seed through the lab's generator, so PyTorch starts from the
 * lab run's weights and sees its batches.
 */
import { FINAL_LOSS_WINDOW } from '../analysis/metric';
import { divergenceBound } from '../train/divergence';
import type { SweepConfig } from '../sweep/config';
import type { PreparedData } from '../sweep/data';
import { exportedConfig } from '../exchange/export';
import { toExportShape } from '../exchange/exportShapes';
import { baseShapeOf, hpOf, planRuns, runShapeOf } from '../sweep/plan';
// Validation batches the lab's sweeps evaluate each run on (src/train/trainer.ts default).
import { EVAL_BATCHES } from '../analysis/metric';

import { PLAN_FORMAT, PLAN_VERSION, type Plan } from '../exchange/planSchema';

export { PLAN_FORMAT, PLAN_VERSION } from '../exchange/planSchema';

/** The plan; its type is the schema's (src/exchange/planSchema.ts), which Python validates against. */
export function buildPlan(config: SweepConfig, data: PreparedData): Plan {
  const base = toExportShape(baseShapeOf(config, data.vocab));
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    config: exportedConfig(config),
    sweptHp: config.sweep.name,
    train: {
      steps: config.train.steps,
      batch: config.train.batch,
      schedule: config.train.schedule,
      evalBatches: EVAL_BATCHES,
      finalLossWindow: FINAL_LOSS_WINDOW,
      divergenceBound: divergenceBound(data.vocab),
    },
    /** The text the runs train on (character tokens, the lab's train/validation split). */
    text: data.text,
    runs: planRuns(config).map((run) => ({
      ...run,
      hyperparameters: hpOf(config, run.log2Hp),
      base,
      target: toExportShape(runShapeOf(config, run, data.vocab)),
    })),
  };
}
