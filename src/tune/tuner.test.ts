import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import matmulDirectWgsl from '../../kernels/matmul_direct.wgsl?raw';
import { useGpu } from '../../test/gpu';
import { gptKernelProblems } from '../model/kernelProblems';
import { chooseMatmulVariant } from '../ops/matmul';
import { chooseResidualLayerNormVariant } from '../ops/residualLayernorm';
import { adapterKey } from '../ops/variants';
import { ensureTuned, loadTuneRecord, tunedContext } from './cache';
import { fileTuneStore } from './fileStore';
import { distinctProblems, type KernelProblem } from './problems';
import { KEEP_MARGIN, type TuneProgress } from './tuner';

const gpu = useGpu();

/** One small matmul (a transposed dX shape): cheap to self-test and time with every variant. */
const problem: KernelProblem = {
  kernel: 'matmul',
  problem: { m: 64, k: 32, n: 48, batch: 1, transA: false, transB: true, subgroups: false },
};

async function tempStore() {
  const path = join(await mkdtemp(join(tmpdir(), 'mup-tune-')), 'tune.json');
  return { path, store: fileTuneStore(path) };
}

describe('variant tuner', () => {
  it("reads a model's problems from its op list, one per kernel and shape class", () => {
    const ctx = gpu();
    const problems = distinctProblems(
      gptKernelProblems(
        {
          shape: {
            width: 16,
            depth: 1,
            heads: 2,
            context: 8,
            vocab: 11,
            mlpRatio: 4,
            tiedReadout: true,
            biases: false,
          },
          batch: 2,
        },
        ctx.features,
      ),
    );
    const kernels = new Set(problems.map((p) => p.kernel));
    expect([...kernels].sort()).toEqual([
      'attention',
      'cross_entropy',
      'embedding',
      'layernorm',
      'matmul',
      'matmul_gelu',
      'residual_layernorm',
    ]);
    expect(problems).toContainEqual({
      kernel: 'embedding',
      problem: { vocab: 11, dim: 16, tokens: 16 },
    });
    expect(problems).toContainEqual({
      kernel: 'matmul',
      problem: {
        ...{ m: 16, k: 16, n: 48, batch: 1, transA: false, transB: false },
        subgroups: ctx.features.subgroups,
      },
    });
    // The MLP (width 16, hidden 64, 16 rows): u and g in one pass; dU = (dY W_out^T) gelu'(u).
    for (const [direction, transB] of [
      ['forward', false],
      ['backward', true],
    ] as const) {
      expect(problems).toContainEqual({
        kernel: 'matmul_gelu',
        problem: {
          ...{ m: 16, k: 16, n: 64, batch: 1, transA: false, transB, direction },
          subgroups: ctx.features.subgroups,
        },
      });
    }
    expect(problems).toContainEqual({ kernel: 'cross_entropy', problem: { vocab: 11, rows: 16 } });
    expect(problems).toContainEqual({
      kernel: 'residual_layernorm',
      problem: { width: 16, rows: 16, subgroups: ctx.features.subgroups },
    });
    expect(problems).toContainEqual({
      kernel: 'attention',
      problem: { batch: 2, heads: 2, headSize: 8, context: 8 },
    });
  });

  it('times on a cache miss, caches the choice, and on a hit times nothing', async () => {
    const ctx = gpu();
    const { path, store } = await tempStore();
    const progress: TuneProgress[] = [];
    const miss = await ensureTuned(ctx, store, [problem], {
      budgetMs: 60_000,
      onProgress: (p) => progress.push(p),
    });
    expect(miss.fromCache).toBe(false);
    expect(progress.length).toBeGreaterThan(1);
    const [entry] = miss.record.result.entries;
    expect(entry.candidates.map((c) => c.variant).sort()).toEqual([
      'direct',
      ...(ctx.features.subgroups ? ['quad'] : []),
      'tiled128',
      'tiled64',
    ]);
    for (const c of entry.candidates) {
      expect(c.selfTestPassed, c.variant).toBe(true);
      expect(c.ms, c.variant).toBeGreaterThan(0);
    }
    // The fastest, unless the thresholds' variant is within KEEP_MARGIN of it (then that one stays).
    const fastest = Math.min(...entry.candidates.map((c) => c.ms as number));
    const ms = (v: string) => entry.candidates.find((c) => c.variant === v)?.ms as number;
    if (ms(entry.threshold) <= fastest * KEEP_MARGIN) expect(entry.chosen).toBe(entry.threshold);
    else expect(ms(entry.chosen)).toBe(fastest);
    const chosen = (record: typeof miss.record) =>
      chooseMatmulVariant(ctx.adapter, problem.problem, tunedContext(ctx, record).tuned);
    expect(chosen(miss.record)).toBe(entry.chosen);
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file.records[adapterKey(ctx.adapter)].result.entries[0].chosen).toBe(entry.chosen);

    const hitProgress: TuneProgress[] = [];
    const hit = await ensureTuned(ctx, store, [problem], {
      onProgress: (p) => hitProgress.push(p),
    });
    expect(hit.fromCache).toBe(true);
    expect(hitProgress).toEqual([]);
    expect(hit.record).toEqual(miss.record);
    expect(chosen(hit.record)).toBe(entry.chosen);
  });

  it('never chooses a variant that fails its self-test', async () => {
    const ctx = gpu();
    const { store } = await tempStore();
    // As fast as the shipped kernel, 0.1 % wrong: only the self-test can tell.
    const broken = matmulDirectWgsl.replace(
      'store4(batch, row0, col0, WX, acc[0]);',
      'store4(batch, row0, col0, WX, acc[0] * 1.001);',
    );
    expect(broken).not.toBe(matmulDirectWgsl);
    const { record } = await ensureTuned(ctx, store, [problem], {
      budgetMs: 60_000,
      overrides: [{ name: 'matmul_direct', code: broken }],
    });
    const [entry] = record.result.entries;
    const direct = entry.candidates.find((c) => c.variant === 'direct');
    expect(direct?.selfTestPassed).toBe(false);
    expect(direct?.ms).toBeUndefined();
    expect(direct?.note).toMatch(/self-test/);
    expect(entry.chosen).not.toBe('direct');
    const { tuned } = tunedContext(ctx, record);
    expect(chooseMatmulVariant(ctx.adapter, problem.problem, tuned)).toBe(entry.chosen);
  });

  it('tunes residual_layernorm: both variants self-tested and timed, the choice in the tuned context', async () => {
    const ctx = gpu();
    const { store } = await tempStore();
    const p: KernelProblem = {
      kernel: 'residual_layernorm',
      problem: { width: 33, rows: 130, subgroups: ctx.features.subgroups },
    };
    const { record } = await ensureTuned(ctx, store, [p], { budgetMs: 60_000 });
    const [entry] = record.result.entries;
    expect(entry.threshold).toBe('fused');
    expect(entry.candidates.map((c) => c.variant).sort()).toEqual(['fused', 'separate']);
    for (const c of entry.candidates) {
      expect(c.selfTestPassed, c.variant).toBe(true);
      expect(c.ms, c.variant).toBeGreaterThan(0);
    }
    const { tuned } = tunedContext(ctx, record);
    expect(chooseResidualLayerNormVariant(ctx.adapter, p.problem, tuned)).toBe(entry.chosen);
  });

  it('keys the cache by adapter and ignores a malformed entry with a message', async () => {
    const ctx = gpu();
    const { path, store } = await tempStore();
    const key = adapterKey(ctx.adapter);
    const { record } = await ensureTuned(ctx, store, [problem], { budgetMs: 0 });
    expect(await loadTuneRecord(ctx, store)).toEqual(record);
    for (const field of ['vendor', 'architecture', 'device', 'description'] as const) {
      const other = { ...ctx, adapter: { ...ctx.adapter, [field]: `another ${field}` } };
      expect(await loadTuneRecord(other, store), field).toBeUndefined();
    }

    const bad = { ...record, result: { ...record.result, entries: [{ kernel: 'matmul' }] } };
    await writeFile(
      path,
      JSON.stringify({ format: 'mup-lab/tune-cache', records: { [key]: bad } }),
    );
    const messages: string[] = [];
    const retuned = await ensureTuned(ctx, store, [problem], {
      budgetMs: 0,
      onMessage: (m) => messages.push(m),
    });
    expect(messages).toEqual([
      'Kernel tuning cache entry ignored (result.entries.0.shapeClass: Invalid input: expected string, received undefined); tuning again',
    ]);
    expect(retuned.fromCache).toBe(false);
    expect(await loadTuneRecord(ctx, store)).toEqual(retuned.record);

    await writeFile(path, '{ not json');
    messages.length = 0;
    expect(await loadTuneRecord(ctx, store, (m) => messages.push(m))).toBeUndefined();
    expect(messages).toEqual([`Kernel tuning cache unreadable, ignored: ${path} is not JSON`]);
  });
});
