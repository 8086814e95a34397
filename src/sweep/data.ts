/**
 * Turns a sweep's data choice into token ids: the synthetic corpus, Tiny Shakespeare (once its
 * file is loaded: src/data/shakespeare.ts) or the user's text.
 */
import { splitTokens } from '../data/batches';
import { generateCorpus } from '../data/corpus';
import { shakespeareText, TINY_SHAKESPEARE } from '../data/shakespeare';
import { checkUserText } from '../data/text';
import { CharTokenizer } from '../data/tokenizer';
import type { DataConfig } from './config';

export interface PreparedData {
  vocab: number;
  /** The vocabulary as one string, a character per token id. */
  chars: string;
  /** The text the tokens come from (the built-in corpus, or the user's text as checked). */
  text: string;
  train: Uint32Array;
  val: Uint32Array;
  description: string;
}

/** Throws an Error with a message for the user when the text cannot be used. */
export function prepareData(data: DataConfig, context: number): PreparedData {
  let text: string;
  let description: string;
  if (data.kind === 'synthetic') {
    const corpus = generateCorpus({ seed: data.seed, size: data.size });
    text = corpus.text;
    description = `built-in corpus (seed ${data.seed}, ${text.length.toLocaleString('en-US')} characters, ${corpus.bitsPerChar.toFixed(2)} bits/char)`;
  } else if (data.kind === 'shakespeare') {
    text = shakespeareText();
    description = `${TINY_SHAKESPEARE.label} (${text.length.toLocaleString('en-US')} characters)`;
  } else {
    const check = checkUserText(data.text, { context });
    if (!check.ok) throw new Error(`${data.name}: ${check.message}`);
    text = check.text;
    description = `${data.name} (${check.length.toLocaleString('en-US')} characters, ${check.distinct} distinct)`;
  }
  const tokenizer = CharTokenizer.fromText(text);
  const ids = tokenizer.encode(text);
  const { train, val } = splitTokens(ids, undefined, context);
  return {
    vocab: tokenizer.vocab.length,
    chars: tokenizer.vocab.join(''),
    text,
    train,
    val,
    description,
  };
}
