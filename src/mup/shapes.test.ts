import { describe, expect, it } from 'vitest';
import {
  gptTensors,
  headsOf,
  headSizeOf,
  mlpWidth,
  parameterCount,
  validateGptShape,
  type GptShape,
} from './shapes';
import { MAX_CONTEXT, MAX_HEAD_SIZE } from '../limits';

const small: GptShape = {
  width: 32,
  depth: 2,
  heads: 4,
  context: 16,
  vocab: 50,
  tiedReadout: false,
  biases: true,
};

describe('gptTensors', () => {
  it('lists every tensor of a pre-LN GPT in order, with [in, out] shapes', () => {
    const t = gptTensors(small);
    const block = (b: number) => [
      `blocks.${b}.ln1.gain`,
      `blocks.${b}.ln1.bias`,
      `blocks.${b}.attn.qkv`,
      `blocks.${b}.attn.qkv_bias`,
      `blocks.${b}.attn.out`,
      `blocks.${b}.attn.out_bias`,
      `blocks.${b}.ln2.gain`,
      `blocks.${b}.ln2.bias`,
      `blocks.${b}.mlp.in`,
      `blocks.${b}.mlp.in_bias`,
      `blocks.${b}.mlp.out`,
      `blocks.${b}.mlp.out_bias`,
    ];
    expect(t.map((x) => x.name)).toEqual([
      'tok_emb',
      'pos_emb',
      ...block(0),
      ...block(1),
      'ln_f.gain',
      'ln_f.bias',
      'readout',
    ]);
    const by = Object.fromEntries(t.map((x) => [x.name, x]));
    expect(by['tok_emb']).toMatchObject({
      shape: [50, 32],
      role: 'embedding',
      fanIn: 50,
      fanOut: 32,
    });
    expect(by['pos_emb']).toMatchObject({
      shape: [16, 32],
      role: 'position',
      fanIn: 16,
      block: null,
    });
    expect(by['blocks.1.attn.qkv']).toMatchObject({
      shape: [32, 96],
      role: 'hidden',
      kind: 'matrix',
      fanIn: 32,
      fanOut: 96,
      block: 1,
      queryColumns: [0, 32],
    });
    expect(by['blocks.1.attn.qkv'].note).toMatch(/zero/);
    expect(by['blocks.0.attn.qkv_bias']).toMatchObject({
      shape: [96],
      role: 'vector',
      kind: 'bias',
    });
    expect(by['blocks.0.attn.out']).toMatchObject({ shape: [32, 32], fanIn: 32, fanOut: 32 });
    expect(by['blocks.0.mlp.in']).toMatchObject({ shape: [32, 128], fanIn: 32, fanOut: 128 });
    expect(by['blocks.0.mlp.in_bias']).toMatchObject({ shape: [128] });
    expect(by['blocks.0.mlp.out']).toMatchObject({ shape: [128, 32], fanIn: 128, fanOut: 32 });
    expect(by['blocks.0.ln1.gain']).toMatchObject({ shape: [32], kind: 'gain', block: 0 });
    expect(by['ln_f.gain']).toMatchObject({ kind: 'gain', block: null, role: 'vector' });
    expect(by['ln_f.bias']).toMatchObject({ kind: 'bias', block: null });
    expect(by['readout']).toMatchObject({
      shape: [32, 50],
      role: 'readout',
      fanIn: 32,
      fanOut: 50,
    });
    // only the qkv matrices carry query columns
    expect(t.filter((x) => x.queryColumns).map((x) => x.name)).toEqual([
      'blocks.0.attn.qkv',
      'blocks.1.attn.qkv',
    ]);
  });

  it('drops the readout when tied and marks tok_emb; drops all biases when biases=false', () => {
    const t = gptTensors({ ...small, tiedReadout: true, biases: false });
    expect(t.some((x) => x.role === 'readout')).toBe(false);
    expect(t[0]).toMatchObject({ name: 'tok_emb', tiedReadout: true });
    expect(t.some((x) => x.kind === 'bias')).toBe(false);
    expect(t.filter((x) => x.kind === 'gain')).toHaveLength(2 * 2 + 1);
    expect(t.filter((x) => x.kind === 'matrix')).toHaveLength(2 + 4 * 2);
  });

  it('honours mlpRatio and counts parameters', () => {
    const s = { ...small, mlpRatio: 2 };
    expect(mlpWidth(s)).toBe(64);
    const by = Object.fromEntries(gptTensors(s).map((x) => [x.name, x]));
    expect(by['blocks.0.mlp.out'].shape).toEqual([64, 32]);
    const d = 32;
    const h = 64;
    const perBlock = 2 * d + 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d);
    expect(parameterCount(s)).toBe(50 * d + 16 * d + 2 * perBlock + 2 * d + d * 50);
  });

  it('head size and heads in both modes', () => {
    expect(headSizeOf(small)).toBe(8);
    expect(headsOf(small)).toBe(4);
    const fixed: GptShape = { ...small, heads: undefined, headSize: 16 };
    expect(headSizeOf(fixed)).toBe(16);
    expect(headsOf(fixed)).toBe(2);
  });

  it('throws on an invalid shape', () => {
    expect(() => gptTensors({ ...small, width: 30 })).toThrow(/divisible/);
  });
});

describe('validateGptShape', () => {
  const fields = (s: GptShape, trainable = true) =>
    validateGptShape(s, { trainable }).map((e) => e.field);

  it('accepts valid shapes in both head modes', () => {
    expect(validateGptShape(small)).toEqual([]);
    expect(validateGptShape({ ...small, heads: undefined, headSize: 8 })).toEqual([]);
    expect(validateGptShape({ ...small, mlpRatio: 1.5 })).toEqual([]);
  });

  it('needs exactly one of heads and headSize', () => {
    expect(fields({ ...small, heads: undefined })).toEqual(['heads']);
    expect(fields({ ...small, headSize: 8 })).toEqual(['heads']);
    expect(validateGptShape({ ...small, headSize: 8 })[0].message).toMatch(/exactly one/);
  });

  it('needs width divisible by heads or head size', () => {
    const e = validateGptShape({ ...small, heads: 5 });
    expect(e).toEqual([{ field: 'heads', message: 'Width 32 is not divisible by 5 heads' }]);
    expect(fields({ ...small, heads: undefined, headSize: 12 })).toEqual(['headSize']);
  });

  it('needs positive integers', () => {
    for (const field of ['width', 'depth', 'context', 'vocab'] as const) {
      for (const bad of [0, -3, 2.5, Number.NaN]) {
        expect(fields({ ...small, [field]: bad })).toContain(field);
      }
    }
    expect(fields({ ...small, heads: 0 })).toEqual(['heads']);
    expect(fields({ ...small, heads: undefined, headSize: 1.5 })).toEqual(['headSize']);
    expect(fields({ ...small, mlpRatio: 0 })).toEqual(['mlpRatio']);
    expect(fields({ ...small, mlpRatio: 1.01 })).toEqual(['mlpRatio']); // 32·1.01 not integral
  });

  it('applies the trainable limits: head size ≤ 128, context ≤ 512, ...', () => {
    expect(fields({ ...small, width: 1024, heads: 4 })).toEqual(['heads']);
    expect(validateGptShape({ ...small, width: 1024, heads: 4 })[0].message).toBe(
      `Head size 256 is above the maximum of ${MAX_HEAD_SIZE}`,
    );
    expect(fields({ ...small, width: 512, heads: 4 })).toEqual([]); // head size exactly 128
    expect(fields({ ...small, heads: undefined, headSize: 256, width: 512 })).toEqual(['headSize']);
    expect(fields({ ...small, context: MAX_CONTEXT })).toEqual([]);
    expect(fields({ ...small, context: MAX_CONTEXT + 1 })).toEqual(['context']);
    expect(fields({ ...small, width: 16384, heads: 128 })).toEqual(['width']);
    expect(fields({ ...small, depth: 1000 })).toEqual(['depth']);
    expect(fields({ ...small, vocab: 100000 })).toEqual(['vocab']);
    // structure-only validation (transfer to huge widths) skips the limits
    expect(fields({ ...small, width: 16384, heads: 4, context: 4096 }, false)).toEqual([]);
  });

  it('reports several errors at once', () => {
    expect(fields({ ...small, width: -1, depth: 0, context: 1e6 })).toEqual([
      'width',
      'depth',
      'context',
    ]);
  });
});
