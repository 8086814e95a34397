import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkUserText,
  firstInvalidUtf8,
  MAX_DISTINCT_CHARS,
  MAX_TEXT_BYTES,
  type TextProblem,
} from './text';

const enc = (s: string) => new TextEncoder().encode(s);
const good = 'The quick brown fox jumps over the lazy dog. '.repeat(20); // 900 chars

describe('checkUserText', () => {
  it('accepts ordinary text, given as a string, bytes or an ArrayBuffer', () => {
    for (const input of [good, enc(good), enc(good).buffer]) {
      const r = checkUserText(input, { context: 64 });
      expect(r).toEqual({ ok: true, text: good, length: 900, distinct: 29, bytes: 900 });
    }
  });

  it('normalises line endings and drops a byte-order mark', () => {
    const text = `\uFEFF${'line one\r\nline two\rline three\n'.repeat(30)}`;
    for (const input of [text, enc(text)]) {
      const r = checkUserText(input, { context: 32 });
      if (!r.ok) throw new Error(r.message);
      expect(r.text.startsWith('line one\nline two\nline three\n')).toBe(true);
      expect(r.text).not.toMatch(/[\r\uFEFF]/);
    }
  });

  it('rejects empty and whitespace-only text', () => {
    expect(checkUserText('', { context: 8 })).toEqual({
      ok: false,
      problem: 'empty',
      message: 'The text is empty.',
    });
    expect(checkUserText(new Uint8Array(0), { context: 8 })).toMatchObject({ problem: 'empty' });
    expect(checkUserText(' \n\t \r\n', { context: 8 })).toMatchObject({
      problem: 'empty',
      message: 'The text contains only whitespace.',
    });
  });

  it('rejects binary data: NUL bytes, or many control characters', () => {
    const bytes = enc(good);
    bytes[123] = 0;
    expect(checkUserText(bytes, { context: 8 })).toEqual({
      ok: false,
      problem: 'binary',
      message: 'The file contains a NUL byte (at byte 123): it looks like a binary file, not text.',
    });
    expect(checkUserText(`ab\0cd${good}`, { context: 8 })).toMatchObject({ problem: 'binary' });
    const noisy = good + '\x01\x02\x03\x1b\x7f'.repeat(3); // 15 controls in 915 chars > 1%
    expect(checkUserText(noisy, { context: 8 })).toMatchObject({ problem: 'binary' });
    expect(checkUserText(good + '\x1b', { context: 8 }).ok).toBe(true); // one escape is fine
    expect(checkUserText(good + '\t\f', { context: 8 }).ok).toBe(true);
  });

  it('rejects invalid UTF-8 and says where', () => {
    const bytes = new Uint8Array([...enc('caf'), 0xe9, ...enc(' au lait '.repeat(100))]); // Latin-1 é
    const r = checkUserText(bytes, { context: 8 });
    expect(r).toEqual({
      ok: false,
      problem: 'invalid-encoding',
      message:
        'The file is not valid UTF-8 (first bad byte at offset 3). Save it as UTF-8 text and try again.',
    });
    expect(checkUserText(`ab\uD800cd${good}`, { context: 8 })).toMatchObject({
      problem: 'invalid-encoding',
      message: 'The text is not valid Unicode (a lone surrogate at position 2).',
    });
  });

  it('firstInvalidUtf8 agrees with TextDecoder', () => {
    const valid = enc('aé€😀z');
    expect(firstInvalidUtf8(valid)).toBe(-1);
    const cases: [number[], number][] = [
      [[0x61, 0x80], 1], // stray continuation byte
      [[0x61, 0xc3], 1], // truncated sequence
      [[0xc0, 0x80], 0], // overlong
      [[0xe0, 0x80, 0x80], 0], // overlong 3-byte
      [[0xed, 0xa0, 0x80], 0], // encoded surrogate
      [[0xf4, 0x90, 0x80, 0x80], 0], // above U+10FFFF
      [[0x61, 0xe2, 0x82, 0x41], 1], // bad continuation
      [[0xff], 0],
    ];
    for (const [b, at] of cases) {
      const bytes = new Uint8Array(b);
      expect(firstInvalidUtf8(bytes), b.join(',')).toBe(at);
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    }
  });

  it('rejects text over 10 MB, checked before anything else', () => {
    const big = new Uint8Array(MAX_TEXT_BYTES + 1).fill(0x61);
    big[5] = 0; // would be binary, but size comes first
    expect(checkUserText(big, { context: 8 })).toEqual({
      ok: false,
      problem: 'too-large',
      message: 'The file is 10.0 MB; the limit is 10 MB.',
    });
    const exactly = new Uint8Array(MAX_TEXT_BYTES).fill(0x61);
    expect(checkUserText(exactly, { context: 8 }).ok).toBe(true);
    expect(checkUserText('é'.repeat(MAX_TEXT_BYTES / 2 + 1), { context: 8 })).toMatchObject({
      problem: 'too-large',
    });
  });

  it('rejects text with too many distinct characters', () => {
    const chars = Array.from({ length: MAX_DISTINCT_CHARS + 1 }, (_, i) =>
      String.fromCodePoint(0x4e00 + i),
    ).join('');
    expect(checkUserText(chars, { context: 8 })).toMatchObject({
      problem: 'too-many-characters',
    });
  });

  it('rejects text too short for the context and says how much is needed', () => {
    // context 64: validation (10%) needs 65 characters, so 650 in all
    const r = checkUserText('x'.repeat(649), { context: 64 });
    expect(r).toEqual({
      ok: false,
      problem: 'too-short',
      message:
        'The text has 649 characters; with context 64 it needs at least 650, so that the last ' +
        '10% kept for validation holds one window of 65 characters.',
    });
    expect(checkUserText('x'.repeat(650), { context: 64 }).ok).toBe(true);
    // characters are code points, not UTF-16 units
    expect(checkUserText('😀'.repeat(100), { context: 9 }).ok).toBe(true);
    expect(checkUserText('😀'.repeat(99), { context: 9 })).toMatchObject({ problem: 'too-short' });
    expect(checkUserText('x'.repeat(200), { context: 9, valFraction: 0.5 }).ok).toBe(true);
  });
});

describe('the shared text fixtures (test/fixtures/text, also used by the CLI, the page and Python)', () => {
  const dir = join(__dirname, '..', '..', 'test', 'fixtures', 'text');
  const { context, cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
    context: number;
    cases: Array<{ file: string; problem: TextProblem | null }>;
  };

  it('has a case for every problem of the rule but the generated too-large one', () => {
    const problems = new Set(cases.map((c) => c.problem));
    for (const p of ['empty', 'binary', 'invalid-encoding', 'too-many-characters', 'too-short'])
      expect(problems, p).toContain(p);
    expect(problems).toContain(null);
  });

  for (const { file, problem } of cases) {
    it(`${file}: ${problem ?? 'accepted'}`, () => {
      const check = checkUserText(readFileSync(join(dir, file)), { context });
      expect(check.ok ? null : check.problem).toBe(problem);
      if (check.ok) expect(check.text).not.toMatch(/\uFFFD|\r|^\uFEFF/);
    });
  }

  it('10 MB + 1 byte (generated): too-large', () => {
    const check = checkUserText(new Uint8Array(MAX_TEXT_BYTES + 1).fill(0x61), { context });
    expect(check.ok ? null : check.problem).toBe('too-large');
    expect(checkUserText(new Uint8Array(MAX_TEXT_BYTES).fill(0x61), { context }).ok).toBe(true);
  });
});
