/**
 * Character tokenizer: one token per Unicode code point (so "é" or "😀" is one token, never a
 * half surrogate pair). The vocabulary is the sorted set of code points of the text it is built
 * from; ids are positions in that order, so the same text always gives the same ids.
 *
 * Unknown characters (absent from the vocabulary) are an error by default; `onUnknown: 'skip'`
 * drops them instead. There is no reserved unknown token: a model trained on a text never sees
 * one, so mapping unseen characters to it would only hide a data mismatch.
 */

export type UnknownPolicy = 'error' | 'skip';

export class UnknownCharacterError extends Error {
  constructor(
    readonly char: string,
    /** Index in code points. */
    readonly position: number,
  ) {
    super(
      `Character ${JSON.stringify(char)} (U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) ` +
        `at position ${position} is not in the vocabulary`,
    );
    this.name = 'UnknownCharacterError';
  }
}

export class CharTokenizer {
  /** id -> character (one code point each), sorted by code point. */
  readonly vocab: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(vocab: string[]) {
    this.vocab = Object.freeze(vocab);
    this.ids = new Map(vocab.map((c, i) => [c, i]));
  }

  /** Vocabulary = the sorted unique code points of `text` (which must not be empty). */
  static fromText(text: string): CharTokenizer {
    const set = new Set<string>();
    for (const ch of text) set.add(ch);
    if (set.size === 0) throw new Error('Cannot build a tokenizer from an empty text');
    return new CharTokenizer(sortByCodePoint([...set]));
  }

  /** From a saved vocabulary (e.g. an export): must be unique single code points, sorted. */
  static fromVocab(vocab: readonly string[]): CharTokenizer {
    if (vocab.length === 0) throw new Error('Empty vocabulary');
    for (const ch of vocab) {
      if ([...ch].length !== 1)
        throw new Error(`Vocabulary entry ${JSON.stringify(ch)} is not one character`);
    }
    const sorted = sortByCodePoint([...vocab]);
    if (new Set(vocab).size !== vocab.length) throw new Error('Vocabulary has duplicates');
    if (sorted.some((c, i) => c !== vocab[i]))
      throw new Error('Vocabulary is not sorted by code point');
    return new CharTokenizer([...vocab]);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  has(ch: string): boolean {
    return this.ids.has(ch);
  }

  /** Token ids of `text`. */
  encode(text: string, opts: { onUnknown?: UnknownPolicy } = {}): Uint32Array {
    const policy = opts.onUnknown ?? 'error';
    const out = new Uint32Array(text.length); // ≥ number of code points
    let n = 0;
    let position = 0;
    for (const ch of text) {
      const id = this.ids.get(ch);
      if (id !== undefined) out[n++] = id;
      else if (policy === 'error') throw new UnknownCharacterError(ch, position);
      position++;
    }
    return out.slice(0, n);
  }

  /** Text of `ids`; throws on an id outside the vocabulary. */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const ch = this.vocab[ids[i]];
      if (ch === undefined)
        throw new Error(`Token id ${ids[i]} is outside the vocabulary (size ${this.vocabSize})`);
      s += ch;
    }
    return s;
  }
}

function sortByCodePoint(chars: string[]): string[] {
  return chars.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}
