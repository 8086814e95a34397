import { describe, expect, it } from 'vitest';
import type { MupHyperparams } from './rules';
import { gptTensors, type GptShape } from './shapes';
import { mupPytorchHints, recoverHyperparams, transfer, type TransferResult } from './transfer';
import { BASE_SHAPE, DISTINCT_HPS } from '../../test/mupFixtures';

const hp = DISTINCT_HPS;

const base = BASE_SHAPE;
const wide = (m: number, extra: Partial<GptShape> = {}): GptShape => ({
  ...base,
  width: base.width * m,
  ...extra,
});

/** Relative closeness for every number of two transfer results (values, not the hp field). */
function expectSameValues(a: TransferResult, b: TransferResult, rel = 1e-12) {
  const close = (x: number, y: number, what: string) => {
    const ok = x === y || Math.abs(x - y) <= rel * Math.max(Math.abs(x), Math.abs(y));
    if (!ok) throw new Error(`${what}: ${x} != ${y}`);
  };
  expect(a.tensors.map((t) => t.name)).toEqual(b.tensors.map((t) => t.name));
  a.tensors.forEach((t, i) => {
    const u = b.tensors[i];
    expect(t.shape).toEqual(u.shape);
    for (const k of [
      'initMean',
      'initStd',
      'lr',
      'eps',
      'weightDecay',
      'widthMult',
      'queryInitStd',
    ] as const) {
      close(t[k] ?? -1, u[k] ?? -1, `${t.name}.${k}`);
    }
  });
  for (const k of Object.keys(a.multipliers) as (keyof TransferResult['multipliers'])[]) {
    close(a.multipliers[k], b.multipliers[k], `multipliers.${k}`);
  }
}

function tensor(r: TransferResult, name: string) {
  const t = r.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no ${name}`);
  return t;
}

describe('transfer at the base shape', () => {
  const hps: MupHyperparams[] = [
    hp,
    { ...hp, zeroQuery: true, zeroReadout: true, depthAlpha: 1 },
    { ...hp, depthAlpha: 0.5, weightDecay: 0 },
  ];
  const shapes: GptShape[] = [
    base,
    { ...base, heads: undefined, headSize: 8 },
    { ...base, tiedReadout: true, biases: false, mlpRatio: 2 },
  ];
  it('SP and µP give identical values', () => {
    for (const h of hps) {
      for (const s of shapes) {
        expectSameValues(transfer(h, 'sp', s, s), transfer(h, 'mup', s, s), 0);
      }
    }
  });
  it('the values are the hyperparameters themselves', () => {
    const r = transfer(hp, 'mup', base, base);
    for (const t of r.tensors) {
      expect(t.widthMult).toBe(1);
      expect(t.lr).toBe(hp.lr);
      expect(t.eps).toBe(hp.eps);
      expect(t.weightDecay).toBe(t.kind === 'matrix' ? hp.weightDecay : 0);
      if (t.kind === 'matrix') expect(t.initStd).toBe(hp.initStd);
    }
    expect(r.multipliers).toMatchObject({
      inputMult: 2,
      readoutMult: 3,
      attnScale: 1.5 / Math.sqrt(8),
      residualMult: 1,
      widthMult: 1,
      depthMult: 1,
      depthLrFactor: 1,
      headSize: 8,
      baseHeadSize: 8,
    });
  });
});

describe('transfer to wider models', () => {
  for (const m of [2, 8]) {
    it(`µP m=${m}: per-tensor values`, () => {
      const r = transfer(hp, 'mup', base, wide(m));
      expect(r.tensors.map((t) => t.name)).toEqual(gptTensors(wide(m)).map((t) => t.name));
      const s = hp.initStd;
      expect(tensor(r, 'tok_emb')).toMatchObject({ initStd: s, lr: hp.lr, widthMult: 1 });
      expect(tensor(r, 'pos_emb')).toMatchObject({ initStd: s, lr: hp.lr, widthMult: 1 });
      for (const name of ['blocks.1.attn.qkv', 'blocks.1.attn.out', 'blocks.0.mlp.in']) {
        const t = tensor(r, name);
        expect(t.widthMult).toBe(m);
        expect(t.initStd).toBeCloseTo(s / Math.sqrt(m), 15);
        expect(t.lr).toBeCloseTo(hp.lr / m, 15);
        expect(t.lrMult).toBeCloseTo(1 / m, 15);
        expect(t.eps).toBeCloseTo(hp.eps / m, 20);
        expect(t.weightDecay).toBeCloseTo(hp.weightDecay * m, 13);
      }
      // mlp.out: fan-in 4d, base fan-in 4·d_base
      const out = tensor(r, 'blocks.0.mlp.out');
      expect(out).toMatchObject({ fanIn: 4 * 32 * m, baseFanIn: 128, widthMult: m });
      expect(tensor(r, 'blocks.0.attn.qkv').queryInitStd).toBeCloseTo(s / Math.sqrt(m), 15);
      expect(tensor(r, 'blocks.0.attn.qkv').queryColumns).toEqual([0, 32 * m]);
      expect(tensor(r, 'blocks.0.ln1.gain')).toMatchObject({ initMean: 1, initStd: 0, lr: hp.lr });
      expect(tensor(r, 'blocks.0.mlp.in_bias')).toMatchObject({ initMean: 0, initStd: 0 });
      expect(tensor(r, 'blocks.0.mlp.in_bias').weightDecay).toBe(0);
      expect(tensor(r, 'readout')).toMatchObject({ initStd: s, lr: hp.lr, eps: hp.eps });
      expect(r.multipliers.readoutMult).toBeCloseTo(hp.alphaOut / m, 15);
      expect(r.multipliers.inputMult).toBe(hp.alphaIn);
      // fixed number of heads: the head size grows with width
      expect(r.multipliers.headSize).toBe(8 * m);
      expect(r.multipliers.attnScale).toBeCloseTo((1.5 * Math.sqrt(8)) / (8 * m), 15);
    });
    it(`SP m=${m}: per-tensor values`, () => {
      const r = transfer(hp, 'sp', base, wide(m));
      for (const t of r.tensors) {
        expect(t.lr).toBe(hp.lr);
        expect(t.eps).toBe(hp.eps);
      }
      expect(tensor(r, 'blocks.0.attn.qkv').initStd).toBeCloseTo(hp.initStd / Math.sqrt(m), 15);
      expect(tensor(r, 'readout').initStd).toBeCloseTo(hp.initStd / Math.sqrt(m), 15);
      expect(tensor(r, 'tok_emb').initStd).toBe(hp.initStd);
      expect(r.multipliers.readoutMult).toBe(hp.alphaOut);
      expect(r.multipliers.attnScale).toBeCloseTo(1.5 / Math.sqrt(8 * m), 15);
    });
  }

  it('fixed head size: the attention scale does not change with width', () => {
    const b = { ...base, heads: undefined, headSize: 8 };
    const r = transfer(hp, 'mup', b, { ...b, width: 256 });
    expect(r.multipliers.headSize).toBe(8);
    expect(r.multipliers.attnScale).toBeCloseTo(1.5 / Math.sqrt(8), 15);
  });

  it('a different MLP ratio at the target changes only the MLP multipliers', () => {
    const r = transfer(hp, 'mup', base, { ...base, width: 64, mlpRatio: 2 });
    expect(tensor(r, 'blocks.0.mlp.out').widthMult).toBe(1); // 2·64 / 4·32
    expect(tensor(r, 'blocks.0.mlp.in').widthMult).toBe(2); // fan-in d
  });

  it('width far beyond the trainable limits is computed', () => {
    const r = transfer(hp, 'mup', base, wide(1024, { heads: 4 }));
    expect(tensor(r, 'blocks.0.attn.out').lr).toBeCloseTo(hp.lr / 1024, 15);
  });

  it('narrower targets work too (m < 1)', () => {
    const r = transfer(hp, 'mup', wide(4), base);
    expect(tensor(r, 'blocks.0.attn.out').lr).toBeCloseTo(hp.lr * 4, 15);
    expect(r.multipliers.readoutMult).toBeCloseTo(hp.alphaOut * 4, 15);
  });
});

describe('transfer in depth', () => {
  it('µP α=0.5: residual and in-block LR factors, nothing else', () => {
    const h = { ...hp, depthAlpha: 0.5 as const };
    const r = transfer(h, 'mup', base, wide(2, { depth: 8 }));
    expect(r.multipliers.depthMult).toBe(4);
    expect(r.multipliers.residualMult).toBe(0.5);
    expect(r.multipliers.depthLrFactor).toBe(0.5);
    expect(tensor(r, 'blocks.7.attn.qkv').lr).toBeCloseTo((hp.lr / 2) * 0.5, 15);
    expect(tensor(r, 'blocks.7.attn.qkv').weightDecay).toBeCloseTo(hp.weightDecay * 2 * 2, 13);
    expect(tensor(r, 'blocks.7.ln2.gain').lr).toBeCloseTo(hp.lr * 0.5, 15);
    expect(tensor(r, 'blocks.7.mlp.out_bias').lr).toBeCloseTo(hp.lr * 0.5, 15);
    expect(tensor(r, 'ln_f.gain').lr).toBe(hp.lr);
    expect(tensor(r, 'readout').lr).toBe(hp.lr);
    expect(tensor(r, 'tok_emb').lr).toBe(hp.lr);
  });
  it('SP ignores depthAlpha, with a note', () => {
    const r = transfer({ ...hp, depthAlpha: 1 }, 'sp', base, { ...base, depth: 8 });
    expect(r.multipliers.residualMult).toBe(1);
    expect(r.multipliers.depthLrFactor).toBe(1);
    expect(r.notes.join(' ')).toMatch(/depthAlpha has no effect under SP/);
  });
});

describe('round trip: base → target → base', () => {
  const hps: MupHyperparams[] = [
    hp,
    { ...hp, zeroQuery: true, zeroReadout: true },
    { ...hp, depthAlpha: 0.5, clip: 0, beta1: 0.8, beta2: 0.99 },
    { ...hp, depthAlpha: 1, weightDecay: 0 },
  ];
  for (const p of ['sp', 'mup'] as const) {
    it(`${p}: the hyperparameters read back from the target's values transfer back to the base values`, () => {
      for (const h of hps) {
        for (const target of [wide(2), wide(8, { depth: 6 }), wide(4, { heads: 2, depth: 1 })]) {
          const there = transfer(h, p, base, target);
          const recovered = recoverHyperparams(there);
          // SP values carry no α, nor do values at the base depth
          const expectedAlpha = p === 'mup' && target.depth !== base.depth ? h.depthAlpha : 0;
          for (const k of Object.keys(h) as (keyof MupHyperparams)[]) {
            const want = k === 'depthAlpha' ? expectedAlpha : h[k];
            const got = recovered[k];
            if (typeof want === 'number' && typeof got === 'number') {
              expect(got, k).toBeCloseTo(want, 12);
            } else {
              expect(got, k).toBe(want);
            }
          }
          expectSameValues(transfer(recovered, p, base, base), transfer(h, p, base, base));
          expectSameValues(transfer(recovered, p, base, target), there);
        }
      }
    });
  }
  it('transfer composes: base → A and A-as-base → B agree on width-relative values', () => {
    // µP values at width B depend only on B / base, so re-basing the hidden LR works as m·m'.
    const A = wide(2);
    const B = wide(8);
    const viaA = tensor(transfer(hp, 'mup', A, B), 'blocks.0.attn.out').lrMult;
    const direct = tensor(transfer(hp, 'mup', base, B), 'blocks.0.attn.out').lrMult;
    const toA = tensor(transfer(hp, 'mup', base, A), 'blocks.0.attn.out').lrMult;
    expect(direct).toBeCloseTo(toA * viaA, 15);
  });
});

describe('transfer input checks and notes', () => {
  it('throws on invalid hyperparameters or shapes', () => {
    expect(() => transfer({ ...hp, lr: 0 }, 'mup', base, base)).toThrow(/Learning rate/);
    expect(() => transfer(hp, 'mup', base, { ...base, width: 30 })).toThrow(/divisible/);
    expect(() => transfer(hp, 'mup', { ...base, depth: 0 }, base)).toThrow(/Depth/);
  });
  it('notes flags without effect', () => {
    const tied = { ...base, tiedReadout: true };
    const r = transfer({ ...hp, zeroReadout: true }, 'mup', tied, tied);
    expect(r.notes.join(' ')).toMatch(/zeroReadout has no effect/);
    expect(tensor(r, 'tok_emb')).toMatchObject({ initStd: hp.initStd, tiedReadout: true });
    expect(transfer(hp, 'mup', base, wide(2)).notes).toEqual([]);
  });
  it('does not alias its inputs', () => {
    const b = { ...base };
    const h = { ...hp };
    const r = transfer(h, 'mup', b, b);
    r.base.width = 999;
    r.hp.lr = 999;
    expect(b.width).toBe(32);
    expect(h.lr).toBe(0.01);
  });
});

describe('mupPytorchHints', () => {
  it('matches MuAdamW lr and weight decay for every matrix (depth scaling off)', () => {
    for (const m of [1, 2, 8]) {
      const hints = mupPytorchHints(hp, base, wide(m));
      for (const t of hints.tensors) {
        if (t.name.includes('ln') || t.name.endsWith('_bias')) {
          expect(t.weightDecay).toBe(0); // a caveat tells the user to give these wd = 0
          expect(t.lr).toBe(t.muAdamLr);
          continue;
        }
        expect(t.lr, t.name).toBeCloseTo(t.muAdamLr, 15);
        expect(t.weightDecay, t.name).toBeCloseTo(t.muAdamWeightDecay, 13);
      }
      const qkv = hints.tensors.find((t) => t.name === 'blocks.0.attn.qkv');
      expect(qkv).toMatchObject({
        ninf: 2,
        torchShape: [96 * m, 32 * m],
        baseTorchShape: [96, 32],
      });
      const ro = hints.tensors.find((t) => t.name === 'readout');
      expect(ro).toMatchObject({ ninf: 1, torchShape: [40, 32 * m], initStd: hp.initStd });
      expect(hints.tensors.find((t) => t.name === 'tok_emb')?.torchShape).toEqual([40, 32 * m]);
    }
  });
  it('gives base and delta shapes with the target names, and the mup arguments', () => {
    const target = wide(4, { depth: 3 });
    const hints = mupPytorchHints({ ...hp, zeroReadout: true }, base, target);
    const names = gptTensors(target).map((t) => t.name);
    expect(Object.keys(hints.baseShapes)).toEqual(names);
    expect(Object.keys(hints.deltaShapes)).toEqual(names);
    expect(hints.baseShapes['blocks.2.mlp.out']).toEqual([32, 128]);
    expect(hints.deltaShapes['blocks.2.mlp.out']).toEqual([64, 256]);
    expect(hints.baseShapes['pos_emb']).toEqual([16, 32]);
    expect(hints.muReadout).toEqual({ outputMult: 3, readoutZeroInit: true, shared: false });
    expect(hints.muAdamW).toEqual({ lr: 0.01, betas: [0.9, 0.95], eps: 1e-6, weightDecay: 0.1 });
    expect(hints.manual.inputMult).toBe(2);
    expect(hints.manual.attnScale).toBeCloseTo((1.5 * Math.sqrt(8)) / 32, 15);
    // the mup Transformer example's scaling √attn_mult / d_head equals our scale
    expect(Math.sqrt(hints.manual.exampleAttnMult) / 32).toBeCloseTo(hints.manual.attnScale, 15);
    // MuReadout: logits = output_mult · x / width_mult · W -> α_out / m
    expect(hints.muReadout.outputMult / 4).toBeCloseTo(
      transfer(hp, 'mup', base, target).multipliers.readoutMult,
      15,
    );
    const hidden = hints.tensors.find((t) => t.name === 'blocks.0.attn.out');
    expect(hidden?.eps).toBeCloseTo(1e-6 / 4, 20);
    expect(hints.caveats.join(' ')).toMatch(/eps = ε \/ width_mult/);
  });
  it('lists depth scaling as a manual step when it is on', () => {
    const hints = mupPytorchHints({ ...hp, depthAlpha: 0.5 }, base, { ...base, depth: 8 });
    expect(hints.manual.residualMult).toBe(0.5);
    expect(hints.manual.depthLrFactor).toBe(0.5);
    expect(hints.caveats.join(' ')).toMatch(/Depth scaling/);
    const tied = mupPytorchHints(hp, base, { ...base, tiedReadout: true });
    expect(tied.muReadout.shared).toBe(true);
  });
});
