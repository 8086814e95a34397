import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shakespearePath } from '../cli/corpusFile';
import { prepareData } from '../sweep/data';
import { DEFAULT_VAL_FRACTION } from './batches';
import { acceptShakespeare, shakespeareText, TINY_SHAKESPEARE } from './shakespeare';

const bytes = readFileSync(shakespearePath());
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('Tiny Shakespeare', () => {
  it('is the recorded file, and its README records origin, commit and checksum', () => {
    expect(bytes.length).toBe(TINY_SHAKESPEARE.bytes);
    expect(sha(bytes)).toBe(TINY_SHAKESPEARE.sha256);
    const readme = readFileSync(
      shakespearePath().replace(TINY_SHAKESPEARE.file, 'README.md'),
      'utf8',
    );
    for (const s of [TINY_SHAKESPEARE.sha256, TINY_SHAKESPEARE.commit, TINY_SHAKESPEARE.path]) {
      expect(readme).toContain(s);
    }
  });

  it('refuses other bytes (an HTML error page, a truncated file) with a clear message', () => {
    expect(() => prepareData({ kind: 'shakespeare' }, 16)).toThrow(/not loaded yet/);
    const html = new TextEncoder().encode('<!doctype html><title>Not found</title>');
    expect(() => acceptShakespeare(html, sha(html))).toThrow(
      /tinyshakespeare\.txt is not the recorded Tiny Shakespeare \(39 bytes/,
    );
    const cut = bytes.subarray(0, -1);
    expect(() => acceptShakespeare(cut, sha(cut))).toThrow(/expected 1115394 bytes/);
  });

  it('becomes the lab data: 65 characters, the last 10% held out for validation', () => {
    acceptShakespeare(bytes, sha(bytes));
    const data = prepareData({ kind: 'shakespeare' }, 16);
    expect(data.text).toBe(shakespeareText());
    expect(data.vocab).toBe(65);
    const n = TINY_SHAKESPEARE.bytes;
    expect(data.val.length).toBe(Math.floor(n * DEFAULT_VAL_FRACTION));
    expect(data.train.length + data.val.length).toBe(n);
    expect(data.description).toBe('Tiny Shakespeare (1,115,394 characters)');
  });
});
