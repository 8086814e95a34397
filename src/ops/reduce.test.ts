import { describe, expect, it } from 'vitest';
import {
  readTensorU32,
  releaseTensor,
  runOps,
  uploadTensor,
  writeTensor,
  type GpuTensor,
} from '../gpu';
import { groupStatsRef, type SegmentRef } from '../reference/reduce';
import { Rng } from '../util/random';
import { useGpu } from '../../test/gpu';
import { subgroupLanes } from './subgroups';
import { sumSquaresRelBound } from './errorBounds';
import {
  buildChunkTable,
  decodeGroupStats,
  GROUP_STATS_VARIANTS,
  prepareGroupStats,
  type GroupStatsVariant,
  prepareNonFinite,
  prepareSumSquares,
  readGroupStats,
} from './reduce';

const gpu = useGpu();

const NAN_PATTERNS = [0x7fc00000, 0x7f800001, 0xffc00000, 0xffffffff, 0x7fbfffff];
const POS_INF = 0x7f800000;
const NEG_INF = 0xff800000;

/** Float32 values holding exactly the given bit patterns (NaN payloads survive the upload). */
function fromBits(bits: readonly number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

interface RunResult {
  stats: ReturnType<typeof decodeGroupStats>;
  words: Uint32Array;
  label: string;
}

async function reduceWith(
  x: Float32Array,
  segments?: SegmentRef[],
  opts: { chunkSize?: number; groups?: number; variant?: GroupStatsVariant } = {},
): Promise<RunResult> {
  const ctx = gpu();
  const tx = uploadTensor(ctx, x, [x.length], 'x');
  const op = await prepareGroupStats(ctx, { x: tx, segments, ...opts });
  await runOps(ctx, [op]);
  const words = await readTensorU32(ctx, op.stats);
  op.release();
  releaseTensor(ctx, tx);
  return { stats: decodeGroupStats(words, op.groups), words, label: op.label };
}

// Sum of squares within sumSquaresRelBound (src/ops/errorBounds.ts) relative; max |x| is a maximum
// of bit patterns: exact.

describe.each(GROUP_STATS_VARIANTS)(
  'reduce kernel [%s]: sum of squares, max |x|, non-finite',
  (variant) => {
    /** The variant's relative bound on the sum of squares (lanes: the subgroup variant's). */
    const sumBound = (chunkSize: number, chunks: number) =>
      sumSquaresRelBound(chunkSize, chunks, variant, subgroupLanes(gpu().features));
    const reduceOnGpu = (
      x: Float32Array,
      segments?: SegmentRef[],
      opts: { chunkSize?: number; groups?: number } = {},
    ) => reduceWith(x, segments, { ...opts, variant });
    async function checkRandom(n: number, seed: number, chunkSize = 4096) {
      const rng = new Rng(seed);
      const x = rng.normalArray(n, 3);
      const { stats, label } = await reduceOnGpu(x, undefined, { chunkSize });
      expect(label).toContain(`[${variant}]`);
      const want = groupStatsRef(x);
      const rel = Math.abs(stats.sumSquares[0] - want.sumSquares[0]) / want.sumSquares[0];
      expect(rel, `n=${n} chunk=${chunkSize}`).toBeLessThanOrEqual(
        sumBound(chunkSize, Math.ceil(n / chunkSize)),
      );
      expect(stats.maxAbs[0]).toBe(Math.fround(want.maxAbs[0]));
      expect(stats.nonFinite[0]).toBe(false);
      expect(stats.flaggedCount[0]).toBe(0);
    }

    it('random arrays of sizes 1, 7, 33, 127 and larger, one and many chunks', async () => {
      for (const n of [1, 7, 33, 127, 1000]) await checkRandom(n, n);
      // Small chunks: many workgroups, and more partials per group than threads (serial + tree).
      await checkRandom(20_000, 5, 64);
      await checkRandom(257, 6, 1);
      await checkRandom(70_000, 7);
    });

    it('groups: interleaved segments reduce into their own group', async () => {
      const rng = new Rng(11);
      const x = rng.uniformArray(700, -2, 2);
      const segments: SegmentRef[] = [
        { offset: 0, length: 33, group: 1 },
        { offset: 33, length: 127, group: 0 },
        { offset: 160, length: 1, group: 2 },
        { offset: 161, length: 300, group: 1 },
        { offset: 461, length: 0, group: 0 },
        { offset: 500, length: 200, group: 0 }, // 461..500 belongs to no segment
      ];
      const { stats } = await reduceOnGpu(x, segments, { chunkSize: 32, groups: 4 });
      const want = groupStatsRef(x, segments, 4);
      for (let g = 0; g < 4; g++) {
        const w = want.sumSquares[g];
        expect(Math.abs(stats.sumSquares[g] - w), `group ${g}`).toBeLessThanOrEqual(
          sumBound(32, 20) * w,
        );
        expect(stats.maxAbs[g]).toBe(Math.fround(want.maxAbs[g]));
        expect(stats.nonFinite[g]).toBe(false);
      }
      expect(stats.sumSquares[3]).toBe(0); // a group with no segments
    });

    it('non-finite flag from the float bits: every NaN pattern, +Inf, -Inf, anywhere', async () => {
      const rng = new Rng(3);
      for (const n of [1, 7, 33, 127, 5000]) {
        for (const bits of [...NAN_PATTERNS, POS_INF, NEG_INF]) {
          for (const at of new Set([0, n >> 1, n - 1])) {
            const x = rng.uniformArray(n);
            x.set(fromBits([bits]), at);
            const { stats } = await reduceOnGpu(x, undefined, { chunkSize: 256 });
            const what = `n=${n} at=${at} bits=0x${bits.toString(16)}`;
            expect(stats.nonFinite[0], what).toBe(true);
            expect(stats.flaggedCount[0], what).toBe(1);
            // The sum leaves the non-finite value out; max |x| reports it.
            const finite = x.filter((_, i) => i !== at);
            const want = groupStatsRef(finite);
            expect(Math.abs(stats.sumSquares[0] - want.sumSquares[0]), what).toBeLessThanOrEqual(
              sumBound(256, 20) * want.sumSquares[0],
            );
            if (bits === POS_INF || bits === NEG_INF) expect(stats.maxAbs[0]).toBe(Infinity);
            else expect(stats.maxAbs[0], what).toBeNaN();
          }
          if (n > 127) break; // the large size once per pattern class is enough
        }
      }
    });

    it('finite extremes do not flag; a sum of squares overflowing f32 does', async () => {
      const extremes = fromBits([0x7f7fffff, 0x00000001, 0x80000001, 0x00800000, 0x80000000]);
      let r = await reduceOnGpu(extremes);
      expect(r.stats.nonFinite[0]).toBe(true); // (f32 max)^2 overflows
      const small = fromBits([0x00000001, 0x80000001, 0x00800000, 0x80000000, 0x5f000000]);
      r = await reduceOnGpu(small);
      expect(r.stats.nonFinite[0]).toBe(false);
      expect(r.stats.maxAbs[0]).toBe(2 ** 63);
      expect(r.stats.sumSquares[0]).toBe(2 ** 126);
      // Every element finite, the norm is not: flagged (a divergent run must skip its update).
      r = await reduceOnGpu(new Float32Array(10).fill(1e30));
      expect(r.stats.nonFinite[0]).toBe(true);
      expect(groupStatsRef(new Float32Array(10).fill(1e30)).nonFinite[0]).toBe(true);
    });

    it('per-group isolation, flagged counts accumulate and reset', async () => {
      const ctx = gpu();
      const x = new Rng(9).uniformArray(100);
      x.set(fromBits([NEG_INF]), 70);
      const tx = uploadTensor(ctx, x, [x.length], 'x');
      const segments = [
        { offset: 0, length: 50, group: 0 },
        { offset: 50, length: 50, group: 1 },
      ];
      const op = await prepareNonFinite(ctx, { x: tx, segments, chunkSize: 16, variant });
      await runOps(ctx, [op, op, op]);
      let s = await readGroupStats(ctx, op);
      expect(s.nonFinite).toEqual([false, true]);
      expect(s.flaggedCount).toEqual([0, 3]);
      op.resetCounts();
      await runOps(ctx, [op]);
      s = await readGroupStats(ctx, op);
      expect(s.flaggedCount).toEqual([0, 1]);
      // Fix the value: the flag of the last pass clears, the count stays.
      x[70] = 0.5;
      writeTensor(ctx, tx, x);
      await runOps(ctx, [op]);
      s = await readGroupStats(ctx, op);
      expect(s.nonFinite).toEqual([false, false]);
      expect(s.flaggedCount).toEqual([0, 1]);
      op.release();
      releaseTensor(ctx, tx);
    });

    it('deterministic: the same input gives the same bits', async () => {
      const x = new Rng(21).normalArray(30_000);
      const a = await reduceOnGpu(x, undefined, { chunkSize: 512 });
      const b = await reduceOnGpu(x, undefined, { chunkSize: 512 });
      expect(Array.from(a.words)).toEqual(Array.from(b.words));
    });
  },
);

describe('reduce: chunk table and arguments', () => {
  it('chunk table and argument checks', async () => {
    const t = buildChunkTable(
      [
        { offset: 10, length: 5, group: 1 },
        { offset: 0, length: 10, group: 0 },
      ],
      2,
      4,
      15,
      'test',
    );
    expect(Array.from(t.chunks)).toEqual([
      0, 4, 0, 1, 4, 8, 0, 1, 8, 10, 0, 1, 10, 14, 1, 0, 14, 15, 1, 0,
    ]);
    expect(Array.from(t.groupRanges)).toEqual([0, 3, 3, 5]);
    const ctx = gpu();
    const tx: GpuTensor = uploadTensor(ctx, new Float32Array(8), [8], 'x');
    await expect(
      prepareSumSquares(ctx, { x: tx, segments: [{ offset: 4, length: 5 }] }),
    ).rejects.toThrow(/past the array's 8 elements/);
    await expect(
      prepareSumSquares(ctx, { x: tx, segments: [{ offset: 0, length: 4, group: 2 }], groups: 2 }),
    ).rejects.toThrow(/group 2, but there are 2/);
    if (subgroupLanes(ctx.features) === 0) {
      await expect(prepareSumSquares(ctx, { x: tx, variant: 'subgroup' })).rejects.toThrow(
        /subgroups feature/,
      );
    }
    await expect(
      prepareSumSquares(ctx, { x: tx, variant: 'tree' as GroupStatsVariant }),
    ).rejects.toThrow(/unknown variant tree/);
    releaseTensor(ctx, tx);
  });
});
