/**
 * Writing a file so that a reader only ever sees the old contents or the new ones, whole (Node
 * only): the data goes to a temporary file in the same directory, is fsynced, and is renamed over
 * the target (rename is atomic within one file system), then the directory is fsynced so the
 * rename itself survives a power cut. A failed write (a full disk, a file-size limit, a missing
 * directory) leaves the previous file untouched and removes the temporary one; the temporary
 * file of a process killed mid-write (kill -9, power cut) is removed by the next write.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  accessSync,
  constants,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** A write that failed, with a one-line message naming the file and the system's reason. */
export class WriteFileError extends Error {}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EFBIG: 'the file is larger than this process may write',
    EDQUOT: 'the disk quota is exhausted',
    ENOENT: 'no such directory',
    EACCES: 'permission denied',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is not a directory',
  };
  return err.code ? `${why[err.code] ?? err.message.split('\n')[0]} (${err.code})` : String(e);
}

/** The temporary file's name: hidden, next to the target, unique per process and call. */
export function tempPathFor(path: string): string {
  const suffix = `${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  return join(dirname(path), `.${basename(path)}.${suffix}`);
}

/** Removes temporary files of `path` left by processes that no longer run. */
function removeStaleTemporaries(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(prefix)
      ? /^(\d+)\.[a-z0-9]+\.tmp$/.exec(name.slice(prefix.length))
      : null;
    if (!m || Number(m[1]) === process.pid || isRunning(Number(m[1]))) continue;
    try {
      unlinkSync(join(dirname(path), name));
    } catch {
      // Gone already, or not ours to remove.
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes `data` to `path` atomically (see the header); throws a WriteFileError on failure. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  removeStaleTemporaries(path);
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw new WriteFileError(`cannot write ${path}: ${reason(e)}; the previous file is unchanged`);
  }
  syncDirectory(dirname(path));
}

/** fsyncs a directory (its entries); best effort: some file systems refuse it. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported here (e.g. some network file systems): the rename is still atomic.
  }
}

/**
 * Throws a WriteFileError unless `path`'s directory exists and is writable: checked before any
 * work, so that a typo in --out fails at once rather than after a long run.
 */
export function checkWritableFile(path: string, flag = '--out'): void {
  const dir = dirname(resolve(path));
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    throw new WriteFileError(`${flag}: the directory ${dir} does not exist (${reasonCode(e)})`);
  }
  if (!isDir) throw new WriteFileError(`${flag}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new WriteFileError(`${flag}: cannot write in ${dir} (${reasonCode(e)})`);
  }
  try {
    if (statSync(path).isDirectory())
      throw new WriteFileError(`${flag}: ${path} is a directory, not a file`);
  } catch (e) {
    if (e instanceof WriteFileError) throw e;
    // Absent: it will be created.
  }
}

function reasonCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}
