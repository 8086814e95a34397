// Writing a script's output file atomically (scripts/make-example.mjs, scripts/screenshot.mjs).
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Temp file in the same folder, fsync, rename: a reader never sees half a file. */
export function writeAtomically(path, data) {
  const temp = join(dirname(path), `.${process.pid}.${basename(path)}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
