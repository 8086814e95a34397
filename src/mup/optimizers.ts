/**
 * The optimizers' per-tensor rules, one entry per optimizer: what learning rate, ε and decoupled
 * weight decay each tensor gets under SP and µP. transfer() asks the run's optimizer
 * (hp.optimizer, AdamW when absent: files written before the field existed) for these values;
 * the GPU half of each optimizer (its state buffers and update kernels) lives in
 * src/train/optimizers/, keyed by the same name.
 */
import { z } from 'zod';
import {
  adamEps,
  adamLr,
  decoupledWeightDecay,
  type HyperparamError,
  type MupHyperparams,
  type Parametrization,
  type TensorContext,
  validateSharedHyperparams,
} from './rules';

/** Every optimizer the lab trains with: the one list of names. */
export const optimizerNameSchema = z.enum(['adamw'], {
  error: 'Optimizer must be adamw',
});
export type OptimizerName = z.infer<typeof optimizerNameSchema>;
export const OPTIMIZER_NAMES: readonly OptimizerName[] = optimizerNameSchema.options;

/** What an optimizer's update needs per tensor. */
export interface TensorOptimizerValues {
  /** Learning rate before the schedule's factor. */
  lr: number;
  /** ε of an adaptive update (Adam's denominator); unused by optimizers without one. */
  eps: number;
  /** Decoupled weight decay wd_t for p -= lr_t · wd_t · p (lr_t · wd_t = η·λ, or 0). */
  weightDecay: number;
}

export interface OptimizerRules {
  name: OptimizerName;
  label: string;
  /** Where the rules come from (shown beside the per-tensor table). */
  source: string;
  tensor(p: Parametrization, hp: MupHyperparams, t: TensorContext): TensorOptimizerValues;
  /** Checks of the hyperparameters only this optimizer reads (the shared ones: rules.ts). */
  validate(hp: MupHyperparams): HyperparamError[];
}

/** AdamW: Tensor Programs V, Table 8 (µP's Adam column) and microsoft/mup's MuAdamW. */
export const ADAMW_RULES: OptimizerRules = {
  name: 'adamw',
  label: 'AdamW',
  source: "Tensor Programs V, Table 8; microsoft/mup's MuAdamW",
  tensor(p, hp, t) {
    const lr = adamLr(p, hp, t);
    return { lr, eps: adamEps(p, hp, t), weightDecay: decoupledWeightDecay(hp, t, lr) };
  },
  validate(hp) {
    const errors: HyperparamError[] = [];
    for (const field of ['beta1', 'beta2'] as const) {
      const v = hp[field];
      if (!Number.isFinite(v) || v < 0 || v >= 1) {
        errors.push({ field, message: `Adam ${field} must be in [0, 1) (got ${v})` });
      }
    }
    if (!Number.isFinite(hp.eps) || hp.eps <= 0) {
      errors.push({ field: 'eps', message: `Adam epsilon must be > 0 (got ${hp.eps})` });
    }
    return errors;
  },
};

export const OPTIMIZER_RULES: Readonly<Record<OptimizerName, OptimizerRules>> = Object.freeze({
  adamw: ADAMW_RULES,
});

/** The run's optimizer name: hp.optimizer, or AdamW for hyperparameters written without one. */
export function optimizerNameOf(hp: MupHyperparams): OptimizerName {
  return hp.optimizer ?? 'adamw';
}

/** The rules of a run's optimizer; an unknown name is an error naming the field. */
export function optimizerRulesOf(hp: MupHyperparams): OptimizerRules {
  const name = optimizerNameOf(hp);
  const rules = (OPTIMIZER_RULES as Partial<Record<string, OptimizerRules>>)[name];
  if (!rules) throw new Error(`hp.optimizer: unknown optimizer ${JSON.stringify(name)}`);
  return rules;
}

/**
 * Errors in a hyperparameter set, empty when it is valid: the shared fields (rules.ts), the
 * optimizer's name, and the fields that optimizer reads. One message per field.
 */
export function validateHyperparams(hp: MupHyperparams): HyperparamError[] {
  const errors = validateSharedHyperparams(hp);
  const name: unknown = hp.optimizer ?? 'adamw';
  const parsed = optimizerNameSchema.safeParse(name);
  if (!parsed.success) {
    errors.push({
      field: 'optimizer',
      message: `Optimizer must be one of ${OPTIMIZER_NAMES.join(', ')} (got ${JSON.stringify(name)})`,
    });
    return errors;
  }
  return errors.concat(OPTIMIZER_RULES[parsed.data].validate(hp));
}
