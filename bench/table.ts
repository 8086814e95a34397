import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
/** Plain-text tables for the benchmark's console output, printed a row at a time. */

export interface Column {
  title: string;
  width: number;
  /** Right-align (numbers). */
  right?: boolean;
}

export class Table {
  constructor(
    private readonly columns: readonly Column[],
    private readonly write: (line: string) => void = (line) => console.log(line),
  ) {}

  header(): void {
    this.write(this.line(this.columns.map((c) => c.title)));
    this.write(this.columns.map((c) => '-'.repeat(c.width)).join('  '));
  }

  row(cells: readonly string[]): void {
    this.write(this.line(cells));
  }

  private line(cells: readonly string[]): string {
    return this.columns
      .map((c, i) => {
        const s = cells[i] ?? '';
        return c.right ? s.padStart(c.width) : s.padEnd(c.width);
      })
      .join('  ')
      .trimEnd();
  }
}

/** A number with `digits` significant digits, without exponent for the usual ranges. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, Math.min(6, digits - 1 - mag));
  return x.toFixed(decimals);
}

/** The machine a benchmark ran on, for its JSON. */
export function machineInfo() {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '',
  };
}

/** Writes a benchmark's JSON document to `out` (creating its folder), if given. */
export function writeResult(out: string | undefined, doc: unknown, log: (s: string) => void): void {
  if (!out) return;
  const path = resolve(out);
  mkdirSync(dirname(path), { recursive: true });
  // Atomically: a temp file in the same folder, flushed, then renamed over the target.
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(doc, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  log(`wrote ${path}`);
}

/** A comparison peer, or why the run goes on without it. */
export interface Peer<T> {
  peer: T | null;
  note?: string;
}

/** Sets up a peer (TF.js, jax-js); a failure is logged and kept as the note, never fatal. */
export async function setUpPeer<T>(
  name: string,
  setUp: () => Promise<T>,
  log: (s: string) => void,
): Promise<Peer<T>> {
  try {
    return { peer: await setUp() };
  } catch (e) {
    const note = `${name} unavailable: ${e instanceof Error ? e.message : String(e)}`;
    log(note);
    return { peer: null, note };
  }
}
