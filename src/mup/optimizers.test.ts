/**
 * The optimizer table: every optimizer's per-tensor values come from its own rules, and
 * transfer() uses the run's optimizer (AdamW when the hyperparameters name none).
 */
import { describe, expect, it } from 'vitest';
import {
  ADAMW_RULES,
  OPTIMIZER_NAMES,
  OPTIMIZER_RULES,
  optimizerNameOf,
  optimizerRulesOf,
} from './optimizers';
import {
  adamEps,
  adamLr,
  DEFAULT_HYPERPARAMS,
  weightDecay,
  type MupHyperparams,
  type TensorContext,
} from './rules';
import type { GptShape } from './shapes';
import { transfer } from './transfer';

const hp = { ...DEFAULT_HYPERPARAMS, weightDecay: 0.1, depthAlpha: 1 as const };
const base: GptShape = {
  width: 32,
  depth: 2,
  heads: 4,
  context: 16,
  vocab: 40,
  tiedReadout: false,
  biases: true,
};
const target: GptShape = { ...base, width: 128, depth: 4 };

describe('optimizer table', () => {
  it('has one rules entry per name, under its own name', () => {
    for (const name of OPTIMIZER_NAMES) expect(OPTIMIZER_RULES[name].name).toBe(name);
  });

  it("AdamW's entry is the Adam columns of rules.ts, tensor by tensor", () => {
    for (const p of ['sp', 'mup'] as const) {
      for (const role of ['embedding', 'hidden', 'readout'] as const) {
        for (const inBlock of [false, true]) {
          const t: TensorContext = { role, kind: 'matrix', m: 4, inBlock, depthMult: 2 };
          expect(ADAMW_RULES.tensor(p, hp, t)).toEqual({
            lr: adamLr(p, hp, t),
            eps: adamEps(p, hp, t),
            weightDecay: weightDecay(p, hp, t),
          });
        }
      }
    }
  });

  it('transfer() takes each tensor’s values from the run’s optimizer', () => {
    const r = transfer(hp, 'mup', base, target);
    expect(r.optimizer.name).toBe('adamw');
    for (const t of r.tensors) {
      const ctx: TensorContext = {
        role: t.role,
        kind: t.kind,
        m: t.widthMult,
        inBlock: t.block !== null,
        depthMult: 2,
      };
      const want = ADAMW_RULES.tensor('mup', hp, ctx);
      expect([t.lr, t.eps, t.weightDecay]).toEqual([want.lr, want.eps, want.weightDecay]);
    }
  });

  it('reads hyperparameters without an optimizer as AdamW and refuses an unknown one', () => {
    const { optimizer: _omitted, ...legacy }: MupHyperparams = hp;
    expect(optimizerNameOf(legacy)).toBe('adamw');
    const [fromLegacy, fromNamed] = [legacy, hp].map((h) => transfer(h, 'sp', base, target));
    expect(fromLegacy.tensors).toEqual(fromNamed.tensors);
    expect(fromLegacy.optimizer).toEqual(fromNamed.optimizer);
    const unknown = { ...hp, optimizer: 'lion' as unknown as 'adamw' };
    expect(() => optimizerRulesOf(unknown)).toThrow('hp.optimizer: unknown optimizer "lion"');
    expect(() => transfer(unknown, 'sp', base, target)).toThrow(/Optimizer must be one of/);
  });
});
