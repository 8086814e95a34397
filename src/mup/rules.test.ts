/**
 * One test per entry of the µP table (docs/ARCHITECTURE.md; rows × columns, SP and µP, m = 1, 2, 8), plus
 * the depth, ε and weight-decay rules. Values are compared with toBeCloseTo at 12 digits:
 * each is one or two float64 operations away from the expected expression.
 */
import { describe, expect, it } from 'vitest';
import {
  adamEps,
  adamLr,
  attentionScale,
  DEFAULT_HYPERPARAMS,
  DEPTH_SCALINGS,
  depthEpsFactor,
  depthLrFactor,
  depthMultiplier,
  depthScalingOf,
  initRule,
  inputMultiplier,
  queryInitStd,
  readoutMultiplier,
  residualMultiplier,
  sgdDepthLrFactor,
  sgdLr,
  weightDecay,
  widthMultiplier,
  type MupHyperparams,
  type Parametrization,
  type TensorContext,
} from './rules';
import { OPTIMIZER_NAMES, validateHyperparams } from './optimizers';
import { PARAMETRIZATIONS } from './parametrizations';
import type { TensorKind, TensorRole } from './shapes';
import { DISTINCT_HPS } from '../../test/mupFixtures';

const hp = DISTINCT_HPS;
const sigma = hp.initStd;
const eta = hp.lr;
const widths = [1, 2, 8];
const both: Parametrization[] = ['sp', 'mup'];
const DIGITS = 12;

function ctx(role: TensorRole, kind: TensorKind, m: number, inBlock = false, L = 1): TensorContext {
  return { role, kind, m, mOut: m, inBlock, depthMult: L };
}

describe('row: token/position embedding', () => {
  for (const p of both) {
    for (const role of ['embedding', 'position'] as const) {
      for (const m of widths) {
        it(`${p} ${role} m=${m}: init σ, LR η, forward × α_in`, () => {
          expect(initRule(p, hp, ctx(role, 'matrix', m))).toEqual({ mean: 0, std: sigma });
          expect(adamLr(p, hp, ctx(role, 'matrix', m))).toBe(eta);
          expect(inputMultiplier(p, hp)).toBe(hp.alphaIn);
        });
      }
    }
  }
});

describe('row: hidden matrices', () => {
  for (const m of widths) {
    it(`sp m=${m}: init σ/√m, LR η`, () => {
      const c = ctx('hidden', 'matrix', m, true);
      expect(initRule('sp', hp, c).std).toBeCloseTo(sigma / Math.sqrt(m), DIGITS);
      expect(adamLr('sp', hp, c)).toBe(eta);
    });
    it(`mup m=${m}: init σ/√m, LR η/m`, () => {
      const c = ctx('hidden', 'matrix', m, true);
      expect(initRule('mup', hp, c).std).toBeCloseTo(sigma / Math.sqrt(m), DIGITS);
      expect(initRule('mup', hp, c).mean).toBe(0);
      expect(adamLr('mup', hp, c)).toBeCloseTo(eta / m, DIGITS);
    });
    it(`mup m=${m}: q may be zero-initialised (optional)`, () => {
      expect(queryInitStd('mup', hp, m)).toBeCloseTo(sigma / Math.sqrt(m), DIGITS);
      expect(queryInitStd('mup', { ...hp, zeroQuery: true }, m)).toBe(0);
    });
  }
  it('the example widths give the numbers by hand', () => {
    expect(initRule('mup', hp, ctx('hidden', 'matrix', 8, true)).std).toBeCloseTo(0.0176776695, 9);
    expect(adamLr('mup', hp, ctx('hidden', 'matrix', 8, true))).toBe(0.00125);
  });
});

describe('row: layernorm gains/biases, biases', () => {
  for (const p of both) {
    for (const m of widths) {
      for (const inBlock of [true, false]) {
        it(`${p} m=${m} ${inBlock ? 'in a block' : 'ln_f'}: init 1 / 0, LR η`, () => {
          const gain = ctx('vector', 'gain', m, inBlock);
          const bias = ctx('vector', 'bias', m, inBlock);
          expect(initRule(p, hp, gain)).toEqual({ mean: 1, std: 0 });
          expect(initRule(p, hp, bias)).toEqual({ mean: 0, std: 0 });
          expect(adamLr(p, hp, gain)).toBe(eta);
          expect(adamLr(p, hp, bias)).toBe(eta);
        });
      }
    }
  }
});

describe('row: readout', () => {
  for (const m of widths) {
    it(`sp m=${m}: init σ/√m, LR η, logits × α_out`, () => {
      const c = ctx('readout', 'matrix', m);
      expect(initRule('sp', hp, c).std).toBeCloseTo(sigma / Math.sqrt(m), DIGITS);
      expect(adamLr('sp', hp, c)).toBe(eta);
      expect(readoutMultiplier('sp', hp, m)).toBe(hp.alphaOut);
    });
    it(`mup m=${m}: init σ or 0, LR η, logits × α_out/m`, () => {
      const c = ctx('readout', 'matrix', m);
      expect(initRule('mup', hp, c)).toEqual({ mean: 0, std: sigma });
      expect(initRule('mup', { ...hp, zeroReadout: true }, c)).toEqual({ mean: 0, std: 0 });
      expect(adamLr('mup', hp, c)).toBe(eta);
      expect(readoutMultiplier('mup', hp, m)).toBeCloseTo(hp.alphaOut / m, DIGITS);
    });
  }
});

describe('row: attention logits', () => {
  const dBase = 16;
  for (const m of widths) {
    const dHead = dBase * m;
    it(`sp d_head=${dHead}: α_attn/√d_head`, () => {
      expect(attentionScale('sp', hp, dHead, dBase)).toBeCloseTo(
        hp.alphaAttn / Math.sqrt(dHead),
        DIGITS,
      );
    });
    it(`mup d_head=${dHead}: α_attn·√d_base/d_head`, () => {
      expect(attentionScale('mup', hp, dHead, dBase)).toBeCloseTo(
        (hp.alphaAttn * Math.sqrt(dBase)) / dHead,
        DIGITS,
      );
    });
  }
  it('µP equals SP at the base head size, for any α_attn', () => {
    for (const alphaAttn of [1, 0.5, 3]) {
      const h = { ...hp, alphaAttn };
      expect(attentionScale('mup', h, dBase, dBase)).toBeCloseTo(
        attentionScale('sp', h, dBase, dBase),
        DIGITS,
      );
    }
    // and with α_attn = 1 both are the textbook 1/√d_head
    expect(attentionScale('mup', { ...hp, alphaAttn: 1 }, 64, 64)).toBe(1 / 8);
  });
  it('µP falls as 1/d_head, SP as 1/√d_head', () => {
    expect(attentionScale('mup', hp, 64, 16) / attentionScale('mup', hp, 16, 16)).toBeCloseTo(
      1 / 4,
      DIGITS,
    );
    expect(attentionScale('sp', hp, 64, 16) / attentionScale('sp', hp, 16, 16)).toBeCloseTo(
      1 / 2,
      DIGITS,
    );
  });
});

describe('width and depth multipliers', () => {
  it('m = fan_in / base_fan_in, L = depth / base_depth', () => {
    expect(widthMultiplier(256, 64)).toBe(4);
    expect(widthMultiplier(32, 64)).toBe(0.5);
    expect(depthMultiplier(12, 4)).toBe(3);
    expect(() => widthMultiplier(0, 64)).toThrow();
    expect(() => depthMultiplier(4, 0)).toThrow();
  });
});

describe('depth scaling', () => {
  const Ls = [1, 2, 4, 0.5];
  for (const alpha of [0.5, 1] as const) {
    for (const L of Ls) {
      it(`µP α=${alpha} L=${L}: residual × L^-α, in-block LR × L^(α-1)`, () => {
        const h = { ...hp, depthAlpha: alpha };
        expect(residualMultiplier('mup', h, L)).toBeCloseTo(Math.pow(L, -alpha), DIGITS);
        expect(depthLrFactor('mup', h, L)).toBeCloseTo(Math.pow(L, alpha - 1), DIGITS);
        const f = Math.pow(L, alpha - 1);
        for (const m of widths) {
          expect(adamLr('mup', h, ctx('hidden', 'matrix', m, true, L))).toBeCloseTo(
            (eta / m) * f,
            DIGITS,
          );
          expect(adamLr('mup', h, ctx('vector', 'gain', m, true, L))).toBeCloseTo(eta * f, DIGITS);
          expect(adamLr('mup', h, ctx('vector', 'bias', m, true, L))).toBeCloseTo(eta * f, DIGITS);
          // outside the blocks: no depth factor
          expect(adamLr('mup', h, ctx('vector', 'gain', m, false, L))).toBe(eta);
          expect(adamLr('mup', h, ctx('embedding', 'matrix', 1, false, L))).toBe(eta);
          expect(adamLr('mup', h, ctx('readout', 'matrix', m, false, L))).toBe(eta);
          // init does not depend on depth
          expect(initRule('mup', h, ctx('hidden', 'matrix', m, true, L)).std).toBeCloseTo(
            sigma / Math.sqrt(m),
            DIGITS,
          );
        }
      });
    }
  }
  it('CompleteP (α=1) keeps the LR and divides the branch by L', () => {
    const h = { ...hp, depthAlpha: 1 as const };
    expect(residualMultiplier('mup', h, 4)).toBe(0.25);
    expect(depthLrFactor('mup', h, 4)).toBe(1);
  });
  it('α=0.5 at L=4: branch × 1/2, LR × 1/2', () => {
    const h = { ...hp, depthAlpha: 0.5 as const };
    expect(residualMultiplier('mup', h, 4)).toBe(0.5);
    expect(depthLrFactor('mup', h, 4)).toBe(0.5);
  });
  it('α=0 turns depth scaling off, and SP ignores it', () => {
    for (const L of Ls) {
      expect(residualMultiplier('mup', { ...hp, depthAlpha: 0 }, L)).toBe(1);
      expect(depthLrFactor('mup', { ...hp, depthAlpha: 0 }, L)).toBe(1);
      for (const alpha of [0.5, 1] as const) {
        expect(residualMultiplier('sp', { ...hp, depthAlpha: alpha }, L)).toBe(1);
        expect(depthLrFactor('sp', { ...hp, depthAlpha: alpha }, L)).toBe(1);
        expect(
          adamLr('sp', { ...hp, depthAlpha: alpha }, ctx('hidden', 'matrix', 2, true, L)),
        ).toBe(eta);
      }
    }
  });
});

describe('Adam ε', () => {
  for (const m of widths) {
    it(`m=${m}: µP hidden matrices ε/m, everything else ε`, () => {
      expect(adamEps('mup', hp, ctx('hidden', 'matrix', m, true))).toBeCloseTo(hp.eps / m, 18);
      expect(adamEps('sp', hp, ctx('hidden', 'matrix', m, true))).toBe(hp.eps);
      for (const p of both) {
        expect(adamEps(p, hp, ctx('embedding', 'matrix', 1))).toBe(hp.eps);
        expect(adamEps(p, hp, ctx('position', 'matrix', 1))).toBe(hp.eps);
        expect(adamEps(p, hp, ctx('readout', 'matrix', m))).toBe(hp.eps);
        expect(adamEps(p, hp, ctx('vector', 'gain', m, true))).toBe(hp.eps);
        expect(adamEps(p, hp, ctx('vector', 'bias', m, true))).toBe(hp.eps);
      }
    });
  }
});

describe('named depth options and their Adam ε (CompleteP, Dey et al. 2025)', () => {
  it('maps none / depth-µP / CompleteP onto α = 0 / 1/2 / 1 and back', () => {
    expect(DEPTH_SCALINGS.none.alpha).toBe(0);
    expect(DEPTH_SCALINGS['depth-mup'].alpha).toBe(0.5);
    expect(DEPTH_SCALINGS.completep.alpha).toBe(1);
    expect(DEPTH_SCALINGS.completep.label).toBe('CompleteP (α = 1)');
    for (const [name, o] of Object.entries(DEPTH_SCALINGS))
      expect(depthScalingOf(o.alpha)).toBe(name);
  });
  for (const alpha of [0.5, 1] as const) {
    for (const L of [2, 4, 0.5]) {
      it(`µP α=${alpha} L=${L}: in-block ε × L^-α (hidden ε·m^-1·L^-α), outside ε`, () => {
        const h = { ...hp, depthAlpha: alpha };
        const f = Math.pow(L, -alpha);
        expect(depthEpsFactor('mup', h, L)).toBeCloseTo(f, DIGITS);
        expect(depthEpsFactor('sp', h, L)).toBe(1);
        for (const m of widths) {
          expect(adamEps('mup', h, ctx('hidden', 'matrix', m, true, L))).toBeCloseTo(
            (hp.eps / m) * f,
            18,
          );
          expect(adamEps('mup', h, ctx('vector', 'gain', m, true, L))).toBeCloseTo(hp.eps * f, 18);
          expect(adamEps('mup', h, ctx('vector', 'bias', m, true, L))).toBeCloseTo(hp.eps * f, 18);
          expect(adamEps('mup', h, ctx('vector', 'gain', m, false, L))).toBe(hp.eps);
          expect(adamEps('mup', h, ctx('embedding', 'matrix', 1, false, L))).toBe(hp.eps);
          expect(adamEps('mup', h, ctx('readout', 'matrix', m, false, L))).toBe(hp.eps);
          expect(adamEps('sp', h, ctx('hidden', 'matrix', m, true, L))).toBe(hp.eps);
        }
      });
    }
  }
  it('CompleteP at L = 4, m = 2 by hand: branch × 1/4, hidden LR η/2, LN LR η, hidden ε ε/8', () => {
    const h = { ...hp, depthAlpha: DEPTH_SCALINGS.completep.alpha };
    expect(residualMultiplier('mup', h, 4)).toBe(0.25);
    expect(adamLr('mup', h, ctx('hidden', 'matrix', 2, true, 4))).toBe(eta / 2);
    expect(adamLr('mup', h, ctx('vector', 'gain', 2, true, 4))).toBe(eta);
    expect(adamLr('mup', h, ctx('vector', 'bias', 2, true, 4))).toBe(eta);
    expect(adamEps('mup', h, ctx('hidden', 'matrix', 2, true, 4))).toBeCloseTo(hp.eps / 8, 18);
    expect(adamEps('mup', h, ctx('vector', 'gain', 2, true, 4))).toBeCloseTo(hp.eps / 4, 18);
  });
  it('depth-µP at L = 4, m = 2 by hand: branch × 1/2, hidden LR η/4, LN LR η/2, hidden ε ε/4', () => {
    const h = { ...hp, depthAlpha: DEPTH_SCALINGS['depth-mup'].alpha };
    expect(residualMultiplier('mup', h, 4)).toBe(0.5);
    expect(adamLr('mup', h, ctx('hidden', 'matrix', 2, true, 4))).toBe(eta / 4);
    expect(adamLr('mup', h, ctx('vector', 'gain', 2, true, 4))).toBe(eta / 2);
    expect(adamEps('mup', h, ctx('hidden', 'matrix', 2, true, 4))).toBeCloseTo(hp.eps / 4, 18);
    expect(adamEps('mup', h, ctx('vector', 'bias', 2, true, 4))).toBeCloseTo(hp.eps / 2, 18);
  });
});

describe('decoupled weight decay: lr · wd = η · λ per tensor', () => {
  const matrices: [TensorRole, boolean][] = [
    ['embedding', false],
    ['position', false],
    ['hidden', true],
    ['readout', false],
  ];
  for (const p of both) {
    for (const alpha of [0, 0.5, 1] as const) {
      for (const L of [1, 3]) {
        it(`${p} α=${alpha} L=${L}: every matrix at every width`, () => {
          const h = { ...hp, depthAlpha: alpha };
          for (const m of widths) {
            for (const [role, inBlock] of matrices) {
              const c = ctx(
                role,
                'matrix',
                role === 'hidden' || role === 'readout' ? m : 1,
                inBlock,
                L,
              );
              const product = adamLr(p, h, c) * weightDecay(p, h, c);
              expect(product).toBeCloseTo(eta * hp.weightDecay, 15);
            }
          }
        });
      }
    }
  }
  it('µP hidden matrices store wd = λ·m (MuAdamW: weight_decay *= width_mult)', () => {
    for (const m of widths) {
      expect(weightDecay('mup', hp, ctx('hidden', 'matrix', m, true))).toBeCloseTo(
        hp.weightDecay * m,
        DIGITS,
      );
      expect(weightDecay('sp', hp, ctx('hidden', 'matrix', m, true))).toBeCloseTo(
        hp.weightDecay,
        DIGITS,
      );
      expect(weightDecay('mup', hp, ctx('readout', 'matrix', m))).toBeCloseTo(
        hp.weightDecay,
        DIGITS,
      );
    }
  });
  it('with depth scaling a hidden matrix stores λ·m·L^(1-α)', () => {
    const h = { ...hp, depthAlpha: 0.5 as const };
    expect(weightDecay('mup', h, ctx('hidden', 'matrix', 2, true, 4))).toBeCloseTo(
      hp.weightDecay * 2 * 2,
      DIGITS,
    );
  });
  it('gains and biases are not decayed; λ = 0 decays nothing', () => {
    for (const p of both) {
      expect(weightDecay(p, hp, ctx('vector', 'gain', 2, true))).toBe(0);
      expect(weightDecay(p, hp, ctx('vector', 'bias', 2, false))).toBe(0);
      expect(weightDecay(p, { ...hp, weightDecay: 0 }, ctx('hidden', 'matrix', 2, true))).toBe(0);
    }
  });
});

describe('every parametrization is SP at the base width (m = 1, d_head = d_base, L = 1)', () => {
  it.each(PARAMETRIZATIONS.filter((p) => p !== 'sp'))('%s: every rule', (p) => {
    const flags = [
      { zeroQuery: false, zeroReadout: false },
      { zeroQuery: true, zeroReadout: true },
    ];
    const cases: TensorContext[] = [
      ctx('embedding', 'matrix', 1),
      ctx('position', 'matrix', 1),
      ctx('hidden', 'matrix', 1, true),
      ctx('vector', 'gain', 1, true),
      ctx('vector', 'bias', 1, false),
      ctx('readout', 'matrix', 1),
    ];
    for (const f of flags) {
      const h = { ...hp, ...f, depthAlpha: 1 as const };
      for (const c of cases) {
        expect(initRule(p, h, c)).toEqual(initRule('sp', h, c));
        expect(adamLr(p, h, c)).toBe(adamLr('sp', h, c));
        expect(adamEps(p, h, c)).toBe(adamEps('sp', h, c));
        expect(weightDecay(p, h, c)).toBe(weightDecay('sp', h, c));
        expect(sgdLr(p, h, c)).toBe(sgdLr('sp', h, c));
      }
      expect(queryInitStd(p, h, 1)).toBe(queryInitStd('sp', h, 1));
      expect(readoutMultiplier(p, h, 1)).toBe(readoutMultiplier('sp', h, 1));
      expect(inputMultiplier(p, h)).toBe(inputMultiplier('sp', h));
      expect(attentionScale(p, h, 32, 32)).toBeCloseTo(attentionScale('sp', h, 32, 32), 15);
      expect(residualMultiplier(p, h, 1)).toBe(residualMultiplier('sp', h, 1));
      expect(depthLrFactor(p, h, 1)).toBe(depthLrFactor('sp', h, 1));
      expect(sgdDepthLrFactor(p, h, 1)).toBe(sgdDepthLrFactor('sp', h, 1));
    }
  });
});

describe('validateHyperparams', () => {
  const fields = (h: Partial<MupHyperparams>) =>
    validateHyperparams({ ...DEFAULT_HYPERPARAMS, ...h }).map((e) => e.field);
  it('accepts the defaults', () => {
    expect(validateHyperparams(DEFAULT_HYPERPARAMS)).toEqual([]);
    expect(fields({ clip: 0, weightDecay: 0, beta1: 0 })).toEqual([]);
  });
  it('rejects bad values, field by field', () => {
    expect(fields({ lr: 0 })).toEqual(['lr']);
    expect(fields({ lr: Number.NaN })).toEqual(['lr']);
    expect(fields({ lr: Infinity })).toEqual(['lr']);
    expect(fields({ initStd: -1 })).toEqual(['initStd']);
    expect(fields({ alphaIn: 0, alphaOut: -1, alphaAttn: Number.NaN })).toEqual([
      'alphaIn',
      'alphaOut',
      'alphaAttn',
    ]);
    expect(fields({ eps: 0 })).toEqual(['eps']);
    expect(fields({ weightDecay: -0.1 })).toEqual(['weightDecay']);
    expect(fields({ beta1: 1 })).toEqual(['beta1']);
    expect(fields({ beta2: -0.1 })).toEqual(['beta2']);
    expect(fields({ clip: -1 })).toEqual(['clip']);
    expect(fields({ depthAlpha: 0.7 as unknown as 0 })).toEqual(['depthAlpha']);
    expect(validateHyperparams({ ...DEFAULT_HYPERPARAMS, lr: -2 })[0].message).toBe(
      'Learning rate must be > 0 (got -2)',
    );
  });
  it('names the optimizer field for an unknown optimizer, and takes none for AdamW', () => {
    const bad = { ...DEFAULT_HYPERPARAMS, optimizer: 'lion' as unknown as 'adamw' };
    expect(validateHyperparams(bad)).toEqual([
      {
        field: 'optimizer',
        message: `Optimizer must be one of ${OPTIMIZER_NAMES.join(', ')} (got "lion")`,
      },
    ]);
    const { optimizer: _omitted, ...withoutOptimizer } = DEFAULT_HYPERPARAMS;
    expect(validateHyperparams(withoutOptimizer)).toEqual([]);
  });
});
