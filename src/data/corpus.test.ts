import { describe, expect, it } from 'vitest';
import {
  CORPUS_BITS_PER_CHAR_RANGE,
  DEFAULT_CORPUS_SIZE,
  generateCorpus,
  lexicon,
  pluralOf,
  thirdPersonOf,
} from './corpus';

/**
 * Held-out cross-entropy (bits/char) of a Witten-Bell interpolated character n-gram of order
 * K trained on `train`. Any model's cross-entropy is at least the entropy of the process, so
 * this bounds the generator's recorded entropy from above.
 */
function ngramBitsPerChar(train: string, test: string, K: number): number {
  const counts: Map<string, Map<string, number>>[] = [];
  for (let k = 0; k <= K; k++) counts.push(new Map());
  for (let i = 0; i < train.length; i++) {
    for (let k = 0; k <= Math.min(K, i); k++) {
      const ctx = train.slice(i - k, i);
      let m = counts[k].get(ctx);
      if (!m) counts[k].set(ctx, (m = new Map()));
      m.set(train[i], (m.get(train[i]) ?? 0) + 1);
    }
  }
  const V = new Set(train + test).size;
  let bits = 0;
  for (let i = K; i < test.length; i++) {
    let p = 1 / V;
    for (let k = 0; k <= K; k++) {
      const m = counts[k].get(test.slice(i - k, i));
      if (!m) break;
      let n = 0;
      for (const c of m.values()) n += c;
      p = ((m.get(test[i]) ?? 0) + m.size * p) / (n + m.size);
    }
    bits -= Math.log2(p);
  }
  return bits / (test.length - K);
}

function unigramBits(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / text.length) * Math.log2(n / text.length);
  return h;
}

describe('generateCorpus', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = generateCorpus({ seed: 7, size: 20_000 });
    const b = generateCorpus({ seed: 7, size: 20_000 });
    const c = generateCorpus({ seed: 8, size: 20_000 });
    expect(a).toEqual(b);
    expect(c.text).not.toBe(a.text);
    // a shorter corpus of the same seed is a prefix of a longer one
    expect(a.text.startsWith(generateCorpus({ seed: 7, size: 5_000 }).text)).toBe(true);
  });

  // Its speed is not asserted here: timings belong to benchmarks, not to tests on a shared CPU.
  it('has the requested size (default 200k)', () => {
    const c = generateCorpus();
    expect(c.text.length).toBe(DEFAULT_CORPUS_SIZE);
    expect(generateCorpus({ size: 1 }).text.length).toBe(1);
    expect(() => generateCorpus({ size: 0 })).toThrow();
  });

  it('looks like English sentences over a 40-character alphabet', () => {
    const c = generateCorpus({ seed: 1 });
    expect(new Set(c.text).size).toBe(40);
    expect(c.text).toMatch(/^[A-Za-z ,.?\n]+$/);
    const sentences = c.text.split(/(?<=[.?])[ \n]/).slice(0, -1);
    expect(sentences.length).toBeGreaterThan(5000);
    for (const s of sentences) expect(s).toMatch(/^[A-Z][a-z]*( [a-zA-Z]+,?)* [a-z]+[.?]$/);
    // some grammatical regularities a model can learn
    expect(c.text).not.toMatch(/\ba [aeiou]/);
    expect(c.text).toMatch(/\ban [aeiou]/);
    expect(c.text).not.toMatch(/\bThe dogs runs\b/);
    expect(c.text).toMatch(/\bDoes\b/);
    expect(c.text).toMatch(/\bthat\b/);
    expect(c.text).toMatch(/, (and|but|so|while) /);
    expect(c.text).not.toMatch(/reads? (the|a|some|my) (\w+ )?(dog|cat|horse)/);
  });

  it('is unambiguous: every word form belongs to one category', () => {
    const lx = lexicon();
    const owner = new Map<string, string>();
    for (const [category, words] of Object.entries(lx)) {
      for (const w of words) {
        expect(owner.get(w.toLowerCase()), `${w} in ${category}`).toBeUndefined();
        owner.set(w.toLowerCase(), category);
      }
    }
    // every word in a corpus is in the lexicon
    const text = generateCorpus({ seed: 3, size: 50_000 }).text;
    const whole = text.slice(0, Math.max(text.lastIndexOf('.'), text.lastIndexOf('?')) + 1);
    for (const w of new Set(whole.match(/[A-Za-z]+/g))) {
      expect(owner.has(w.toLowerCase()), w).toBe(true);
    }
  });

  it('inflects regularly', () => {
    expect(['fox', 'box', 'dog', 'loaf'].map(pluralOf)).toEqual([
      'foxes',
      'boxes',
      'dogs',
      'loaves',
    ]);
    expect(['carry', 'chase', 'watch', 'go', 'run'].map(thirdPersonOf)).toEqual([
      'carries',
      'chases',
      'watches',
      'goes',
      'runs',
    ]);
  });

  it('stays in the documented entropy range, below any n-gram and far below unigram', () => {
    const [lo, hi] = CORPUS_BITS_PER_CHAR_RANGE;
    for (const seed of [1, 2, 3]) {
      const c = generateCorpus({ seed });
      expect(c.bitsPerChar).toBeGreaterThan(lo);
      expect(c.bitsPerChar).toBeLessThan(hi);
    }
    const c = generateCorpus({ seed: 4 });
    const cut = Math.floor(0.9 * c.text.length);
    const order4 = ngramBitsPerChar(c.text.slice(0, cut), c.text.slice(cut), 4);
    const order2 = ngramBitsPerChar(c.text.slice(0, cut), c.text.slice(cut), 2);
    const unigram = unigramBits(c.text);
    // floor < order-4 n-gram < order-2 n-gram < unigram (measured 0.71, 0.97, 1.59, 4.31)
    expect(c.bitsPerChar).toBeLessThan(order4);
    expect(order4).toBeLessThan(order2);
    expect(order2).toBeLessThan(unigram);
    expect(unigram).toBeGreaterThan(4);
    // learnable: a plain order-4 n-gram already gets within 0.4 bits/char of the floor
    expect(order4 - c.bitsPerChar).toBeLessThan(0.4);
  });
});
