/**
 * Cached tuning entries are checked against the variant registry and each variant's rule on this
 * device: an unknown name or an inapplicable variant gets one line, the thresholds' choice, and
 * the cache file is rewritten. Nothing is timed here.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { chooseAttentionVariant } from '../ops/attention';
import { chooseMatmulVariant } from '../ops/matmul';
import { adapterKey, type VariantEnv } from '../ops/variants';
import {
  checkTuneEntries,
  ensureTuned,
  tunedContext,
  TUNE_FORMAT,
  TUNE_VERSION,
  type TuneRecord,
} from './cache';
import { fileTuneStore } from './fileStore';
import type { KernelProblem } from './problems';

const fallback = {
  vendor: 'v',
  architecture: 'a',
  device: 'd',
  description: 'cpu',
  isFallback: true,
};
const noSubgroups: VariantEnv['features'] = {
  subgroups: false,
  subgroupMinSize: 0,
  timestampQuery: false,
  shaderF16: false,
};

const wideHeads: KernelProblem = {
  kernel: 'attention',
  problem: { batch: 2, heads: 2, headSize: 128, context: 16 },
};
const matmul: KernelProblem = {
  kernel: 'matmul',
  problem: { m: 64, k: 32, n: 48, batch: 1, transA: false, transB: true, subgroups: false },
};

function recordOf(adapter: typeof fallback, entries: Array<[string, string, string]>): TuneRecord {
  const { vendor, architecture, device, description } = adapter;
  return {
    format: TUNE_FORMAT,
    version: TUNE_VERSION,
    adapterInfo: { vendor, architecture, device, description },
    tunedAt: '2026-12-07T00:00:00.000Z',
    result: {
      adapter: 'test',
      timing: 'wall',
      skipped: 0,
      millis: 1,
      entries: entries.map(([kernel, shapeClass, chosen]) => ({
        kernel: kernel as TuneRecord['result']['entries'][number]['kernel'],
        shapeClass,
        chosen,
        threshold: chosen,
        candidates: [{ variant: chosen, selfTestPassed: true, ms: 1 }],
      })),
    },
  };
}

describe('cached tuning entries', () => {
  it('replaces unknown and inapplicable variants by the thresholds, one line each', () => {
    const env = { adapter: fallback, features: noSubgroups };
    const record = recordOf(fallback, [
      ['attention', 'T16 D128 BH4', 'unrolled'], // head size 128 > 64: not for unrolled
      ['matmul', '64x32x48 tB', 'quad'], // tuned on a device of this adapter with subgroups
      ['matmul', '8x8x8', 'warp9'], // a name the lab does not know, shape not in this run
      ['layernorm', 'w16', 'subgroup'], // not in this run's problems: left for its own run
    ]);
    const { record: fixed, messages } = checkTuneEntries(env, record, [wideHeads, matmul]);
    expect(messages).toEqual([
      "Kernel tuning cache: attention T16 D128 BH4: variant unrolled does not apply to this shape on this device; the thresholds' row is used and the entry rewritten",
      "Kernel tuning cache: matmul 64x32x48 tB: variant quad does not apply to this shape on this device; the thresholds' direct is used and the entry rewritten",
      'Kernel tuning cache: matmul 8x8x8: unknown variant "warp9" (known: direct, quad, tiled64, tiled128); the thresholds\' choice is used and the entry rewritten',
    ]);
    expect(fixed.result.entries.map((e) => [e.shapeClass, e.chosen])).toEqual([
      ['T16 D128 BH4', 'row'],
      ['64x32x48 tB', 'direct'],
      ['w16', 'subgroup'],
    ]);
    // A valid record comes back as it was.
    expect(checkTuneEntries(env, fixed, [wideHeads, matmul])).toEqual({
      record: fixed,
      messages: [],
    });
  });
});

describe('ensureTuned with a bad cache (GPU)', () => {
  const gpu = useGpu();

  it('uses the thresholds for bad entries, says so, rewrites the file, times nothing', async () => {
    const ctx = gpu();
    const path = join(await mkdtemp(join(tmpdir(), 'mup-tune-')), 'tune.json');
    const record = recordOf({ ...ctx.adapter, isFallback: true }, [
      ['attention', 'T16 D128 BH4', 'unrolled'],
      ['matmul', '64x32x48 tB', 'warp9'],
    ]);
    const key = adapterKey(ctx.adapter);
    await writeFile(
      path,
      JSON.stringify({ format: 'mup-lab/tune-cache', records: { [key]: record } }),
    );
    const messages: string[] = [];
    const tuned = await ensureTuned(ctx, fileTuneStore(path), [wideHeads, matmul], {
      onMessage: (m) => messages.push(m),
    });
    expect(tuned.fromCache).toBe(true);
    expect(messages).toHaveLength(2);
    // Unknown names as the cache is read, then each rule on the shapes about to run.
    expect(messages[0]).toMatch(
      /^Kernel tuning cache: matmul 64x32x48 tB: unknown variant "warp9"/,
    );
    expect(messages[1]).toMatch(
      /^Kernel tuning cache: attention T16 D128 BH4: variant unrolled does not apply/,
    );
    // The tuned context's choosers now give the thresholds' variants for these shapes.
    const { tuned: table } = tunedContext(ctx, tuned.record);
    const attention = wideHeads.problem as {
      batch: number;
      heads: number;
      headSize: number;
      context: number;
    };
    expect(chooseAttentionVariant(ctx.adapter, attention, table)).not.toBe('unrolled');
    expect(chooseMatmulVariant(ctx.adapter, matmul.problem as never, table)).not.toBe('warp9');
    // The file holds the repaired record: the next run reads it without a message.
    const saved = JSON.parse(await readFile(path, 'utf8')).records[key] as TuneRecord;
    expect(saved.result.entries.map((e) => e.chosen)).not.toContain('unrolled');
    expect(saved.result.entries.map((e) => e.chosen)).not.toContain('warp9');
    messages.length = 0;
    await ensureTuned(ctx, fileTuneStore(path), [wideHeads, matmul], {
      onMessage: (m) => messages.push(m),
    });
    expect(messages).toEqual([]);
  });
});
