import { describe, expect, it } from 'vitest';
import { generateCorpus } from './corpus';
import { CharTokenizer, UnknownCharacterError } from './tokenizer';

describe('CharTokenizer', () => {
  it('builds a sorted vocabulary of unique characters', () => {
    const tok = CharTokenizer.fromText('hello world');
    expect(tok.vocab).toEqual([' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(tok.vocabSize).toBe(8);
    expect(Array.from(tok.encode('hold'))).toEqual([3, 5, 4, 1]);
    expect(tok.decode([3, 2, 4, 4, 5])).toBe('hello');
  });

  it('round-trips a corpus, and the vocabulary does not depend on text order', () => {
    const text = generateCorpus({ seed: 2, size: 20_000 }).text;
    const tok = CharTokenizer.fromText(text);
    const ids = tok.encode(text);
    expect(ids).toBeInstanceOf(Uint32Array);
    expect(ids.length).toBe(text.length);
    expect(tok.decode(ids)).toBe(text);
    expect(Math.max(...ids)).toBe(tok.vocabSize - 1);
    expect(CharTokenizer.fromText([...text].reverse().join('')).vocab).toEqual(tok.vocab);
  });

  it('treats each code point as one token (astral characters, accents)', () => {
    const text = 'é😀a😀';
    const tok = CharTokenizer.fromText(text);
    expect(tok.vocab).toEqual(['a', 'é', '😀']); // sorted by code point
    const ids = tok.encode(text);
    expect(Array.from(ids)).toEqual([1, 2, 0, 2]);
    expect(tok.decode(ids)).toBe(text);
  });

  it('rejects unknown characters with their position, or skips them', () => {
    const tok = CharTokenizer.fromText('abc');
    expect(() => tok.encode('abxc')).toThrow(UnknownCharacterError);
    let caught: unknown;
    try {
      tok.encode('a😀bx');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UnknownCharacterError);
    const u = caught as UnknownCharacterError;
    expect(u.char).toBe('😀');
    expect(u.position).toBe(1);
    expect(u.message).toBe('Character "😀" (U+1F600) at position 1 is not in the vocabulary');
    expect(Array.from(tok.encode('axbyc', { onUnknown: 'skip' }))).toEqual([0, 1, 2]);
    expect(tok.encode('').length).toBe(0);
    expect(tok.has('a')).toBe(true);
    expect(tok.has('x')).toBe(false);
  });

  it('rejects ids outside the vocabulary', () => {
    const tok = CharTokenizer.fromText('ab');
    expect(() => tok.decode([0, 2])).toThrow(/outside the vocabulary/);
  });

  it('saves and restores through fromVocab, which validates', () => {
    const tok = CharTokenizer.fromText('the quick brown fox');
    const again = CharTokenizer.fromVocab(JSON.parse(JSON.stringify(tok.vocab)) as string[]);
    expect(again.encode('the fox')).toEqual(tok.encode('the fox'));
    expect(() => CharTokenizer.fromVocab([])).toThrow(/Empty/);
    expect(() => CharTokenizer.fromVocab(['b', 'a'])).toThrow(/sorted/);
    expect(() => CharTokenizer.fromVocab(['a', 'a'])).toThrow(/duplicates/);
    expect(() => CharTokenizer.fromVocab(['ab'])).toThrow(/one character/);
    expect(() => CharTokenizer.fromText('')).toThrow(/empty/);
  });
});
