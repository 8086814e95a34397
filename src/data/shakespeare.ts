/**
 * Tiny Shakespeare, the lab's built-in real text (src/data/corpora/tinyshakespeare.txt, its
 * origin in the README there). The file is 1.1 MB, so no bundle carries it: the page's worker
 * fetches it as a same-origin asset, the CLI reads it from disk; each checks its checksum and
 * hands the text over with `acceptShakespeare`, after which `prepareData` can use it.
 */

export const TINY_SHAKESPEARE = {
  label: 'Tiny Shakespeare',
  file: 'tinyshakespeare.txt',
  /** Where it came from: karpathy/char-rnn at this commit and path (public domain text). */
  repository: 'karpathy/char-rnn',
  commit: '6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e',
  path: 'data/tinyshakespeare/input.txt',
  bytes: 1_115_394,
  sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
} as const;

let loaded: string | undefined;

/** Lowercase hex of a digest. */
export function toHex(digest: ArrayBuffer | Uint8Array): string {
  const bytes = digest instanceof Uint8Array ? digest : new Uint8Array(digest);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks the file's bytes against the recorded size and SHA-256 (computed by the caller: Web
 * Crypto in the worker, node:crypto in the CLI) and keeps the text. A server that answers with
 * something else (an HTML error page, a truncated file) is refused with a clear message.
 */
export function acceptShakespeare(bytes: Uint8Array, sha256: string): string {
  const T = TINY_SHAKESPEARE;
  if (bytes.length !== T.bytes || sha256.toLowerCase() !== T.sha256) {
    throw new Error(
      `${T.file} is not the recorded ${T.label} (${bytes.length} bytes, SHA-256 ${sha256.slice(0, 12)}…; ` +
        `expected ${T.bytes} bytes, ${T.sha256.slice(0, 12)}…)`,
    );
  }
  loaded = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return loaded;
}

export function shakespeareLoaded(): boolean {
  return loaded !== undefined;
}

/** The text, once accepted; a clear error before. */
export function shakespeareText(): string {
  if (loaded === undefined) throw new Error(`${TINY_SHAKESPEARE.label} is not loaded yet`);
  return loaded;
}
