/**
 * Tiny Shakespeare for the CLI: read from the repository (src/data/corpora), whichever of the
 * source (Vitest, tsx) or the build (dist/cli) runs, and checked against its recorded SHA-256.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptShakespeare, shakespeareLoaded, TINY_SHAKESPEARE } from '../data/shakespeare';
import type { DataConfig } from '../sweep/config';

const RELATIVE = join('src', 'data', 'corpora', TINY_SHAKESPEARE.file);

/** The file's path: the first folder above this module that holds src/data/corpora/<file>. */
export function shakespearePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, RELATIVE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${RELATIVE} was not found above ${import.meta.url}`);
    dir = parent;
  }
}

/** Loads Tiny Shakespeare when `data` asks for it (once per process). */
export function loadBuiltInText(data: DataConfig): void {
  if (data.kind !== 'shakespeare' || shakespeareLoaded()) return;
  const bytes = readFileSync(shakespearePath());
  acceptShakespeare(bytes, createHash('sha256').update(bytes).digest('hex'));
}
