/**
 * The optimizer table: every optimizer's per-tensor values come from its own rules, and
 * transfer() uses the run's optimizer (AdamW when the hyperparameters name none).
 */
import { describe, expect, it } from 'vitest';
import {
  ADAMW_RULES,
  DEFAULT_NS_STEPS,
  isMuonTensor,
  MUON_DEFAULT_MOMENTUM,
  MUON_RULES,
  muonMatrices,
  muonMomentumOf,
  muonUpdateScale,
  nsStepsOf,
  OPTIMIZER_NAMES,
  SGD_RULES,
  validateHyperparams,
  OPTIMIZER_RULES,
  optimizerNameOf,
  optimizerRulesOf,
  switchOptimizer,
} from './optimizers';
import {
  adamEps,
  adamLr,
  DEFAULT_HYPERPARAMS,
  depthLrFactor,
  weightDecay,
  type MupHyperparams,
  type TensorContext,
} from './rules';
import { gptTensors, type GptShape, type TensorSpec } from './shapes';
import { recoverHyperparams, transfer } from './transfer';
import { BASE_SHAPE } from '../../test/mupFixtures';

const hp = { ...DEFAULT_HYPERPARAMS, weightDecay: 0.1, depthAlpha: 1 as const };
const base = BASE_SHAPE;
const target: GptShape = { ...base, width: 128, depth: 4 };

describe('optimizer table', () => {
  it('has one rules entry per name, under its own name', () => {
    for (const name of OPTIMIZER_NAMES) expect(OPTIMIZER_RULES[name].name).toBe(name);
  });

  it("AdamW's entry is the Adam columns of rules.ts, tensor by tensor", () => {
    for (const p of ['sp', 'mup'] as const) {
      for (const role of ['embedding', 'hidden', 'readout'] as const) {
        for (const inBlock of [false, true]) {
          const t: TensorContext = { role, kind: 'matrix', m: 4, mOut: 4, inBlock, depthMult: 2 };
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
        mOut: t.role === 'readout' ? 1 : 4,
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

describe('Muon rules', () => {
  const muon = { ...hp, optimizer: 'muon' as const };

  it('gives hidden matrices lr η (× the depth rule) and λ, and the rest AdamW’s values', () => {
    for (const p of ['sp', 'mup'] as const) {
      for (const role of ['embedding', 'position', 'hidden', 'readout'] as const) {
        for (const inBlock of [false, true]) {
          const t: TensorContext = { role, kind: 'matrix', m: 4, mOut: 4, inBlock, depthMult: 2 };
          const got = MUON_RULES.tensor(p, muon, t);
          if (role === 'hidden') {
            const lr = muon.lr * (inBlock ? depthLrFactor(p, muon, 2) : 1);
            // lr · wd = η·λ, as AdamW's decoupled decay.
            expect(got).toEqual({
              lr,
              eps: muon.eps,
              weightDecay: (muon.weightDecay * muon.lr) / lr,
            });
          } else {
            expect(got).toEqual(ADAMW_RULES.tensor(p, muon, t));
          }
        }
      }
      for (const kind of ['gain', 'bias'] as const) {
        const t: TensorContext = {
          role: 'vector',
          kind,
          m: 1,
          mOut: 1,
          inBlock: true,
          depthMult: 2,
        };
        expect(MUON_RULES.tensor(p, muon, t)).toEqual(ADAMW_RULES.tensor(p, muon, t));
      }
    }
  });

  it('updates the hidden matrices only', () => {
    expect(isMuonTensor({ role: 'hidden', kind: 'matrix' })).toBe(true);
    for (const role of ['embedding', 'position', 'readout'] as const) {
      expect(isMuonTensor({ role, kind: 'matrix' })).toBe(false);
    }
    expect(isMuonTensor({ role: 'vector', kind: 'gain' })).toBe(false);
    expect(isMuonTensor({ role: 'vector', kind: 'bias' })).toBe(false);
  });

  it('treats q, k and v of the fused qkv as three matrices', () => {
    expect(muonMatrices('blocks.3.attn.qkv', [64, 192])).toEqual([
      { col: 0, rows: 64, cols: 64 },
      { col: 64, rows: 64, cols: 64 },
      { col: 128, rows: 64, cols: 64 },
    ]);
    expect(muonMatrices('blocks.3.mlp.out', [256, 64])).toEqual([{ col: 0, rows: 256, cols: 64 }]);
  });

  it('scales SP-Muon by 0.2·√max(fan_in, fan_out) and µP-Muon by √(fan_out/fan_in)', () => {
    expect(muonUpdateScale('sp', 64, 256)).toBeCloseTo(0.2 * 16, 12);
    expect(muonUpdateScale('sp', 256, 64)).toBeCloseTo(0.2 * 16, 12);
    expect(muonUpdateScale('mup', 64, 256)).toBeCloseTo(2, 12);
    expect(muonUpdateScale('mup', 256, 64)).toBeCloseTo(0.5, 12);
    // µP's is width-independent at a fixed MLP ratio; SP's grows as √width.
    expect(muonUpdateScale('mup', 512, 512)).toBe(muonUpdateScale('mup', 32, 32));
    expect(muonUpdateScale('sp', 512, 512) / muonUpdateScale('sp', 128, 128)).toBeCloseTo(2, 12);
  });

  it('reads momentum 0.95 and 5 Newton-Schulz steps when absent', () => {
    const { momentum: _m, nsSteps: _n, ...bare } = muon;
    expect(muonMomentumOf(bare)).toBe(MUON_DEFAULT_MOMENTUM);
    expect(MUON_DEFAULT_MOMENTUM).toBe(0.95);
    expect(nsStepsOf(bare)).toBe(DEFAULT_NS_STEPS);
    expect(DEFAULT_NS_STEPS).toBe(5);
    expect(muonMomentumOf({ ...bare, momentum: 0.8 })).toBe(0.8);
    expect(nsStepsOf({ ...bare, nsSteps: 3 })).toBe(3);
  });

  it('names the field of a bad momentum or step count', () => {
    expect(validateHyperparams(muon)).toEqual([]);
    for (const momentum of [-0.1, 1, NaN]) {
      const errors = validateHyperparams({ ...muon, momentum });
      expect(errors.map((e) => e.field)).toEqual(['momentum']);
      expect(errors[0].message).toMatch(/Momentum must be in \[0, 1\)/);
    }
    for (const nsSteps of [0, 2.5, -1]) {
      const errors = validateHyperparams({ ...muon, nsSteps });
      expect(errors.map((e) => e.field)).toEqual(['nsSteps']);
      expect(errors[0].message).toMatch(/Newton-Schulz steps must be an integer >= 1/);
    }
  });

  it('transfer() with Muon: hidden lr η at every width, the rest as AdamW', () => {
    for (const p of ['sp', 'mup'] as const) {
      const r = transfer(muon, p, base, target);
      const adam = transfer({ ...muon, optimizer: 'adamw' }, p, base, target);
      expect(r.optimizer.name).toBe('muon');
      r.tensors.forEach((t, i) => {
        if (isMuonTensor(t)) expect(t.lr).toBe(muon.lr * depthLrFactor(p, muon, 2));
        else
          expect([t.lr, t.eps, t.weightDecay]).toEqual([
            adam.tensors[i].lr,
            adam.tensors[i].eps,
            adam.tensors[i].weightDecay,
          ]);
      });
    }
  });
});

/**
 * microsoft/mup's MuSGD (mup/optim.py), restated from the tensors' PyTorch shapes alone: a
 * dimension is width-like ("infinite") when it differs between the base and the target; a tensor
 * with one such dimension gets lr · that dimension's multiplier (InfShape.width_mult, the last
 * infinite dimension), one with two lr / (fan_in mult / fan_out mult) (nn.Linear [out, in]).
 */
function muSgdLr(eta: number, t: TensorSpec, b: TensorSpec): number {
  const torch = (x: TensorSpec) =>
    x.kind === 'matrix' && x.role !== 'embedding' && x.role !== 'position'
      ? [x.shape[1], x.shape[0]]
      : x.shape;
  const [dims, baseDims] = [torch(t), torch(b)];
  const mult = dims.map((d, i) => d / baseDims[i]);
  const inf = dims.map((d, i) => d !== baseDims[i]);
  const ninf = inf.filter(Boolean).length;
  if (ninf === 0) return eta;
  if (ninf === 1) return eta * mult[inf.lastIndexOf(true)];
  return eta / (mult[1] / mult[0]);
}

describe('SGD rules (MuSGD under µP, plain SGD under SP)', () => {
  const sgd = { ...hp, optimizer: 'sgd' as const, depthAlpha: 0 as const, momentum: 0.8 };
  // The MLP ratio changes too, so that the MLP matrices' fan-in and fan-out multipliers differ.
  const wide: GptShape = { ...base, width: 128, depth: 2, mlpRatio: 2 };
  const baseSpecs = gptTensors({ ...wide, width: base.width, mlpRatio: 4 });

  it('µP: every tensor gets MuSGD’s lr (read from shapes alone), lr·wd = η·λ on matrices', () => {
    const r = transfer(sgd, 'mup', base, wide);
    expect(r.optimizer).toMatchObject({ name: 'sgd', momentum: 0.8 });
    r.tensors.forEach((t, i) => {
      const want = muSgdLr(sgd.lr, gptTensors(wide)[i], baseSpecs[i]);
      expect(t.lr, t.name).toBeCloseTo(want, 15);
      expect(t.weightDecay * t.lr, t.name).toBeCloseTo(t.kind === 'matrix' ? sgd.lr * 0.1 : 0, 15);
    });
    // The entries by name: vectors and embeddings η·4, the readout η·m = η·4, attention η,
    // mlp.in η·(256/128)/4 = η/2, mlp.out η·4/2 = 2η.
    const lrMult = (name: string) => r.tensors.find((t) => t.name === name)!.lrMult;
    expect(lrMult('tok_emb')).toBeCloseTo(4, 12);
    expect(lrMult('pos_emb')).toBeCloseTo(4, 12);
    expect(lrMult('blocks.0.ln1.gain')).toBeCloseTo(4, 12);
    expect(lrMult('blocks.0.mlp.in_bias')).toBeCloseTo(2, 12);
    expect(lrMult('blocks.0.attn.qkv')).toBeCloseTo(1, 12);
    expect(lrMult('blocks.0.attn.out')).toBeCloseTo(1, 12);
    expect(lrMult('blocks.0.mlp.in')).toBeCloseTo(0.5, 12);
    expect(lrMult('blocks.0.mlp.out')).toBeCloseTo(2, 12);
    expect(lrMult('readout')).toBeCloseTo(4, 12);
  });

  it('SP: every tensor gets η, whatever its width and depth', () => {
    const r = transfer({ ...sgd, depthAlpha: 1 }, 'sp', base, { ...wide, depth: 8 });
    for (const t of r.tensors) expect(t.lr, t.name).toBe(sgd.lr);
    expect(r.multipliers.depthLrFactor).toBe(1);
  });

  it('the tied readout is the embedding: η·d/d_base', () => {
    const tied = transfer(
      sgd,
      'mup',
      { ...base, tiedReadout: true },
      { ...wide, tiedReadout: true },
    );
    expect(tied.tensors.find((t) => t.name === 'tok_emb')!.lrMult).toBeCloseTo(4, 12);
  });

  it('depth: in-block tensors × L^(2α-1) (1 at depth-µP, L at CompleteP), the rest unchanged', () => {
    const deep = { ...wide, depth: 8 };
    const flat = transfer(sgd, 'mup', base, deep);
    for (const [alpha, factor] of [
      [0.5, 1],
      [1, 4],
    ] as const) {
      const r = transfer({ ...sgd, depthAlpha: alpha }, 'mup', base, deep);
      expect(r.multipliers.depthLrFactor).toBe(factor);
      r.tensors.forEach((t, i) => {
        const want = flat.tensors[i].lr * (t.block === null ? 1 : factor);
        expect(t.lr, `α ${alpha} ${t.name}`).toBeCloseTo(want, 15);
      });
    }
    const t: TensorContext = {
      role: 'hidden',
      kind: 'matrix',
      m: 2,
      mOut: 2,
      inBlock: true,
      depthMult: 4,
    };
    expect(SGD_RULES.tensor('mup', { ...sgd, depthAlpha: 1 }, t).lr).toBeCloseTo(sgd.lr * 4, 15);
  });

  it('the hyperparameters read back from SGD’s values, under SP and µP', () => {
    for (const p of ['sp', 'mup'] as const) {
      const r = transfer(sgd, p, base, wide);
      const back = recoverHyperparams(r);
      expect(back.lr).toBeCloseTo(sgd.lr, 15);
      expect(back.weightDecay).toBeCloseTo(sgd.weightDecay, 15);
      expect(back.optimizer).toBe('sgd');
      expect(back.momentum).toBe(0.8);
    }
  });

  it('momentum must be in [0, 1), and is 0.9 when absent; SGD ignores Adam’s fields', () => {
    for (const momentum of [-0.1, 1, 1.5, NaN]) {
      const errors = validateHyperparams({ ...sgd, momentum });
      expect(errors.map((e) => e.field)).toEqual(['momentum']);
      expect(errors[0].message).toMatch(/^Momentum must be in \[0, 1\)/);
    }
    const { momentum: _omitted, ...legacy } = sgd;
    expect(validateHyperparams(legacy)).toEqual([]);
    expect(transfer(legacy, 'mup', base, wide).optimizer.momentum).toBe(0.9);
    expect(validateHyperparams({ ...sgd, beta1: 2 })).toEqual([]);
    expect(SGD_RULES.fields).toEqual(['momentum']);
    expect(ADAMW_RULES.fields).toEqual(['beta1', 'beta2', 'eps']);
  });
});

describe('switching the optimizer', () => {
  it('brings the new optimizer’s defaults where the fields were at the old one’s', () => {
    const adamw = { ...DEFAULT_HYPERPARAMS };
    const muon = switchOptimizer(adamw, 'muon');
    expect(muon).toMatchObject({ optimizer: 'muon', momentum: 0.95, nsSteps: DEFAULT_NS_STEPS });
    expect(switchOptimizer(muon, 'sgd')).toMatchObject({ optimizer: 'sgd', momentum: 0.9 });
    expect(switchOptimizer(muon, 'adamw')).toMatchObject({ optimizer: 'adamw', momentum: 0.95 });
    // What the user chose stays.
    const chosen = switchOptimizer({ ...adamw, optimizer: 'sgd', momentum: 0.5 }, 'muon');
    expect(chosen).toMatchObject({ optimizer: 'muon', momentum: 0.5 });
    expect(switchOptimizer({ ...muon, nsSteps: 3 }, 'muon').nsSteps).toBe(3);
  });
});
