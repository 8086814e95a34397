/**
 * Checks a user's text (pasted, or a file's bytes) before it becomes a corpus, and says
 * clearly what is wrong. In order:
 *   too large   more than MAX_TEXT_BYTES (10 MB) of UTF-8;
 *   empty       no bytes, or only whitespace;
 *   binary      a NUL byte, or more than 1% control characters (other than tab, newline, CR,
 *               form feed);
 *   invalid     not UTF-8 (TextDecoder with fatal: true), or a string with lone surrogates;
 *   too many    more than MAX_DISTINCT_CHARS distinct characters (each is a vocabulary entry);
 *   too short   fewer characters than the context needs: both the training part and the
 *               last 10% kept for validation must hold a window of context + 1 characters.
 * On success the text comes back without a byte-order mark and with \r\n and \r turned into
 * \n (so the same text gives the same corpus on every system).
 */
import { DEFAULT_VAL_FRACTION, minTokensFor } from './batches';

export const MAX_TEXT_BYTES = 10 * 1024 * 1024;
const LIMIT = `${MAX_TEXT_BYTES / (1024 * 1024)} MB`;
export const MAX_DISTINCT_CHARS = 4096;
/** Above this share of control characters a "text" is taken for a binary file. */
export const MAX_CONTROL_SHARE = 0.01;

export type TextProblem =
  'too-large' | 'empty' | 'binary' | 'invalid-encoding' | 'too-many-characters' | 'too-short';

export type TextCheck =
  | {
      ok: true;
      text: string;
      /** Characters (code points). */
      length: number;
      /** Distinct characters: the vocabulary size. */
      distinct: number;
      bytes: number;
    }
  | { ok: false; problem: TextProblem; message: string };

export interface TextCheckOptions {
  /** Context length T of the model that will train on it. */
  context: number;
  /** Share kept for validation (default 0.1). */
  valFraction?: number;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} bytes`;
}

const fail = (problem: TextProblem, message: string): TextCheck => ({
  ok: false,
  problem,
  message,
});

/** Byte offset of the first byte that breaks UTF-8, or -1 (only used to word the message). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Validates a text or a file's bytes; see the header for the checks and their order. */
export function checkUserText(
  input: string | Uint8Array | ArrayBuffer,
  opts: TextCheckOptions,
): TextCheck {
  const valFraction = opts.valFraction ?? DEFAULT_VAL_FRACTION;
  let text: string;
  let bytes: number;
  if (typeof input === 'string') {
    bytes = new TextEncoder().encode(input).length;
    if (bytes > MAX_TEXT_BYTES) {
      return fail('too-large', `The text is ${formatBytes(bytes)}; the limit is ${LIMIT}.`);
    }
    if (input.includes('\0')) {
      return fail('binary', 'The text contains NUL characters: it looks like binary data.');
    }
    const lone = LONE_SURROGATE.exec(input);
    if (lone) {
      return fail(
        'invalid-encoding',
        `The text is not valid Unicode (a lone surrogate at position ${lone.index}).`,
      );
    }
    text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  } else {
    const raw = input instanceof Uint8Array ? input : new Uint8Array(input);
    bytes = raw.length;
    if (bytes > MAX_TEXT_BYTES) {
      return fail('too-large', `The file is ${formatBytes(bytes)}; the limit is ${LIMIT}.`);
    }
    const nul = raw.indexOf(0);
    if (nul >= 0) {
      return fail(
        'binary',
        `The file contains a NUL byte (at byte ${nul}): it looks like a binary file, not text.`,
      );
    }
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw); // drops a BOM
    } catch {
      return fail(
        'invalid-encoding',
        `The file is not valid UTF-8 (first bad byte at offset ${firstInvalidUtf8(raw)}). ` +
          'Save it as UTF-8 text and try again.',
      );
    }
  }

  text = text.replace(/\r\n?/g, '\n');
  if (text.trim().length === 0) {
    return fail('empty', bytes === 0 ? 'The text is empty.' : 'The text contains only whitespace.');
  }

  let length = 0;
  let controls = 0;
  const distinct = new Set<string>();
  for (const ch of text) {
    length++;
    distinct.add(ch);
    const c = ch.charCodeAt(0);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c) || c === 0x7f) controls++;
  }
  if (controls > MAX_CONTROL_SHARE * length) {
    return fail(
      'binary',
      `${((100 * controls) / length).toFixed(1)}% of the characters are control characters: ` +
        'this looks like a binary file, not text.',
    );
  }
  if (distinct.size > MAX_DISTINCT_CHARS) {
    return fail(
      'too-many-characters',
      `The text uses ${distinct.size} different characters; the limit is ${MAX_DISTINCT_CHARS} ` +
        '(each one is a vocabulary entry of the model).',
    );
  }
  const need = minTokensFor(opts.context, valFraction);
  if (length < need) {
    return fail(
      'too-short',
      `The text has ${length} characters; with context ${opts.context} it needs at least ` +
        `${need}, so that the last ${Math.round(valFraction * 100)}% kept for validation ` +
        `holds one window of ${opts.context + 1} characters.`,
    );
  }
  return { ok: true, text, length, distinct: distinct.size, bytes };
}
