/**
 * The page and the analysis worker never load the engine's kernels: they name kernels, adapters
 * and benchmark results through data-only modules (src/ops/selftestKernels.ts, src/gpu/adapter.ts,
 * src/benchmark/benchResult.ts), and the GPU worker alone imports the ops. Walks the static value
 * imports (type-only imports vanish from the bundle) from each entry point.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /^(?:import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms;

function resolve(from: string, spec: string): string | undefined {
  const base = normalize(join(dirname(from), spec.split('?')[0]));
  return ['', '.ts', '.tsx', '/index.ts']
    .map((e) => base + e)
    .find((p) => existsSync(p) && !p.endsWith('/'));
}

/** Every module reached from `entry`, each with the module that imported it first. */
function reached(entry: string): Map<string, string | null> {
  const seen = new Map<string, string | null>([[entry, null]]);
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (!/\.tsx?$/.test(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (m[1]) continue;
      const target = resolve(file, m[2]);
      if (target && !seen.has(target)) {
        seen.set(target, file);
        todo.push(target);
      }
    }
  }
  return seen;
}

function chain(seen: Map<string, string | null>, file: string): string {
  const out: string[] = [];
  for (let f: string | null | undefined = file; f; f = seen.get(f)) out.push(relative(ROOT, f));
  return out.join(' <- ');
}

const ENGINE =
  /\/(kernels\/|src\/ops\/(?!selftestKernels)|src\/gpu\/(?!adapter)|src\/train\/|src\/model\/)/;

describe('bundle boundaries', () => {
  for (const entry of ['app/main.tsx', 'app/worker/analysis.worker.ts']) {
    it(`${entry} imports no kernel, op, device or trainer`, () => {
      const seen = reached(join(ROOT, entry));
      expect(seen.size).toBeGreaterThan(10);
      const engine = [...seen.keys()].filter((f) => ENGINE.test(f)).map((f) => chain(seen, f));
      expect(engine).toEqual([]);
    });
  }
  it('the GPU worker does import them (the walk sees what it must)', () => {
    const seen = reached(join(ROOT, 'app/worker/gpu.worker.ts'));
    expect([...seen.keys()].some((f) => /src\/ops\/matmul\.ts$/.test(f))).toBe(true);
  });
});
