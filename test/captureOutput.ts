/** What the CLI writes to process.stderr (and, when asked, stdout) in each test, kept instead of printed. */
import { afterEach, beforeEach, vi } from 'vitest';

export interface CapturedOutput {
  /** The chunks written since the test began or since `clear()`. */
  readonly stderr: string[];
  readonly stdout: string[];
  clear(): void;
}

/** Captures stderr (and stdout with `{ stdout: true }`) for every test of the file. */
export function captureOutput(options: { stdout?: boolean } = {}): CapturedOutput {
  const output: CapturedOutput = {
    stderr: [],
    stdout: [],
    clear() {
      output.stderr.length = 0;
      output.stdout.length = 0;
    },
  };
  const keep = (into: string[]) => (s: string | Uint8Array) => {
    into.push(String(s));
    return true;
  };
  beforeEach(() => {
    output.clear();
    vi.spyOn(process.stderr, 'write').mockImplementation(keep(output.stderr));
    if (options.stdout) vi.spyOn(process.stdout, 'write').mockImplementation(keep(output.stdout));
  });
  afterEach(() => vi.restoreAllMocks());
  return output;
}
