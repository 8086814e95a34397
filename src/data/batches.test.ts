import { describe, expect, it } from 'vitest';
import {
  allocateBatch,
  BatchSampler,
  evalBatches,
  fillBatch,
  minTokensFor,
  splitTokens,
} from './batches';

const iota = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

describe('splitTokens', () => {
  it('keeps the last 10% for validation, as views', () => {
    const t = iota(1000);
    const { train, val } = splitTokens(t);
    expect(train.length).toBe(900);
    expect(val.length).toBe(100);
    expect(train[899]).toBe(899);
    expect(val[0]).toBe(900);
    expect(val.buffer).toBe(t.buffer);
    const s = splitTokens(iota(1005), 0.2);
    expect(s.val.length).toBe(201);
    expect(s.train.length + s.val.length).toBe(1005);
  });

  it('checks the fraction and, given a context, that both parts hold a window', () => {
    expect(() => splitTokens(iota(10), 0)).toThrow();
    expect(() => splitTokens(iota(10), 1)).toThrow();
    expect(() => splitTokens(iota(100), 0.1, 10)).toThrow(/too few for context 10/);
    expect(() => splitTokens(iota(110), 0.1, 10)).not.toThrow();
  });

  it('minTokensFor is the exact threshold', () => {
    for (const T of [1, 7, 64, 255]) {
      for (const f of [0.1, 0.25, 0.5]) {
        const n = minTokensFor(T, f);
        expect(() => splitTokens(iota(n), f, T)).not.toThrow();
        expect(() => splitTokens(iota(n - 1), f, T)).toThrow();
      }
    }
    expect(minTokensFor(64)).toBe(650);
  });
});

describe('BatchSampler', () => {
  it('returns [B, T] windows with targets shifted by one', () => {
    const tokens = iota(500).map((x) => x * 3 + 1);
    const s = new BatchSampler(tokens, 4, 16, 1);
    const b = s.next();
    expect(b.inputs).toBeInstanceOf(Uint32Array);
    expect(b.inputs.length).toBe(64);
    expect(b.targets.length).toBe(64);
    for (let row = 0; row < 4; row++) {
      const start = (b.inputs[row * 16] - 1) / 3;
      for (let t = 0; t < 16; t++) {
        expect(b.inputs[row * 16 + t]).toBe(tokens[start + t]);
        expect(b.targets[row * 16 + t]).toBe(tokens[start + t + 1]);
      }
    }
  });

  it('is deterministic per seed, differs between seeds, reuses a given buffer', () => {
    const tokens = iota(10_000);
    const a = new BatchSampler(tokens, 8, 32, 5);
    const b = new BatchSampler(tokens, 8, 32, 5);
    const c = new BatchSampler(tokens, 8, 32, 6);
    const out = allocateBatch(8, 32);
    for (let i = 0; i < 5; i++) {
      const x = a.next();
      const y = b.next(out);
      expect(y).toBe(out);
      expect(y.inputs).toEqual(x.inputs);
      expect(y.targets).toEqual(x.targets);
    }
    expect(c.next().inputs).not.toEqual(a.next().inputs);
    expect(() => a.next(allocateBatch(4, 32))).toThrow(/need \[8, 32\]/);
  });

  it('covers every window start, including the last one, and nothing beyond', () => {
    const n = 40;
    const T = 8;
    const s = new BatchSampler(iota(n), 16, T, 3);
    expect(s.windows).toBe(n - T);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const b = s.next();
      for (let row = 0; row < 16; row++) seen.add(b.inputs[row * T]);
    }
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: n - T }, (_, i) => i));
  });

  it('works with the smallest text (exactly T+1 tokens)', () => {
    const b = new BatchSampler(iota(9), 3, 8, 1).next();
    expect(Array.from(b.inputs.subarray(0, 8))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(b.targets.subarray(16, 24))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('rejects bad shapes', () => {
    expect(() => new BatchSampler(iota(8), 1, 8, 1)).toThrow(/too few/);
    expect(() => new BatchSampler(iota(100), 0, 8, 1)).toThrow(/Batch size/);
    expect(() => new BatchSampler(iota(100), 2, 0, 1)).toThrow(/Context/);
    expect(() => new BatchSampler(iota(100), 2.5, 8, 1)).toThrow(/Batch size/);
  });
});

describe('evalBatches and fillBatch', () => {
  it('spreads fixed windows evenly from the first to the last start', () => {
    const tokens = iota(1000);
    const batches = evalBatches(tokens, 4, 10, 3);
    expect(batches).toHaveLength(3);
    const starts = batches.flatMap((b) => [0, 1, 2, 3].map((r) => b.inputs[r * 10]));
    expect(starts[0]).toBe(0);
    expect(starts[11]).toBe(1000 - 10 - 1);
    for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThan(starts[i - 1]);
    expect(evalBatches(tokens, 4, 10, 3)).toEqual(batches);
    expect(batches[2].targets[39]).toBe(999);
  });

  it('one window, and overlapping windows on a short text', () => {
    expect(evalBatches(iota(11), 1, 10, 1)[0].inputs[0]).toBe(0);
    const b = evalBatches(iota(12), 3, 10, 1)[0];
    expect([b.inputs[0], b.inputs[10], b.inputs[20]]).toEqual([0, 1, 1]);
  });

  it('fillBatch checks its window starts', () => {
    const out = allocateBatch(2, 4);
    expect(() => fillBatch(iota(10), [0, 6], out)).toThrow(/outside/);
    expect(() => fillBatch(iota(10), [0], out)).toThrow();
    expect(fillBatch(iota(10), [0, 5], out).targets[7]).toBe(9);
  });
});
