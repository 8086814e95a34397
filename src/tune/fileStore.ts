/**
 * The CLI's tuning cache: one JSON file holding a record per adapter. Default path
 * `$MUP_LAB_TUNE_CACHE`, else `$XDG_CACHE_HOME/mup-lab/tune.json`, else
 * `~/.cache/mup-lab/tune.json`; the CLI's `--tune-cache FILE` overrides both.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomicFile';
import type { TuneRecord, TuneStore } from './cache';

export const TUNE_CACHE_ENV = 'MUP_LAB_TUNE_CACHE';
const FILE_FORMAT = 'mup-lab/tune-cache';

export function defaultTuneCachePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env[TUNE_CACHE_ENV]) return env[TUNE_CACHE_ENV];
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'mup-lab', 'tune.json');
}

/** The file's records by adapter key; {} when the file is absent. Throws on a malformed file. */
async function readRecords(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  const file = parsed as { format?: unknown; records?: unknown };
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    file.format !== FILE_FORMAT ||
    typeof file.records !== 'object' ||
    file.records === null ||
    Array.isArray(file.records)
  ) {
    throw new Error(`${path}: format: expected a ${FILE_FORMAT} file`);
  }
  return file.records as Record<string, unknown>;
}

export function fileTuneStore(path: string = defaultTuneCachePath()): TuneStore {
  return {
    async load(key) {
      const records = await readRecords(path);
      return Object.hasOwn(records, key) ? records[key] : undefined;
    },
    async save(key: string, record: TuneRecord) {
      let records: Record<string, unknown> = {};
      try {
        records = await readRecords(path);
      } catch {
        // A malformed file (already reported on load) is replaced.
      }
      records[key] = record;
      await mkdir(dirname(path), { recursive: true });
      // A crash or a full disk mid-write never leaves a half file (src/util/atomicFile.ts).
      writeFileAtomic(path, JSON.stringify({ format: FILE_FORMAT, records }, null, 1));
    },
  };
}
