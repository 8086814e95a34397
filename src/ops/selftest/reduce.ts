/**
 * reduce self-test: group statistics of 300 values in chunks of 32 (partial chunks at segment
 * ends), four groups over interleaved segments: group 0 finite, group 1 holding a NaN with a
 * payload (bits 0x7fa00001), group 2 holding -Inf (bits 0xff800000), group 3 empty, and +Inf in
 * no segment (it must flag nothing). Bounds as in src/ops/reduce.test.ts: the sum of squares of
 * the finite values within sumSquaresRelBound (src/ops/errorBounds.ts) relative; max |x| (NaN or
 * Inf where present), the non-finite flags and the flagged-pass counts exactly.
 */
import { groupStatsRef } from '../../reference/reduce';
import { Rng } from '../../util/random';
import { sumSquaresRelBound } from '../errorBounds';
import { prepareGroupStats, readGroupStats } from '../reduce';
import { exact, worstRatio, scopedSelfTest } from './common';

const NAN_BITS = 0x7fa00001;
const NEG_INF_BITS = 0xff800000;
const POS_INF_BITS = 0x7f800000;

export const reduceSelfTest = scopedSelfTest('reduce', async (scope, worst) => {
  const { ctx } = scope;
  const n = 300;
  const chunkSize = 32;
  const groups = 4;
  const segments = [
    { offset: 0, length: 70, group: 1 },
    { offset: 70, length: 127, group: 0 },
    { offset: 197, length: 33, group: 2 },
    { offset: 230, length: 65, group: 1 },
  ];
  const x = new Rng(19).normalArray(n, 3);
  const bits = new Uint32Array(x.buffer);
  bits[33] = NAN_BITS;
  bits[210] = NEG_INF_BITS;
  bits[297] = POS_INF_BITS;
  const op = await scope.op(
    prepareGroupStats(ctx, { x: scope.upload(x, 'x'), segments, groups, chunkSize }),
  );
  await scope.run([op], 'selftest reduce');
  const got = await readGroupStats(ctx, op);
  const want = groupStatsRef(x, segments, groups);

  const chunks = (g: number) =>
    segments.filter((s) => s.group === g).reduce((c, s) => c + Math.ceil(s.length / chunkSize), 0);
  worst.add(
    'sum of squares',
    worstRatio(
      got.sumSquares,
      want.sumSquares,
      (g) => sumSquaresRelBound(chunkSize, chunks(g)) * want.sumSquares[g] + 1e-30,
    ),
  );
  for (let g = 0; g < groups; g++) {
    const w = Math.fround(want.maxAbs[g]);
    const m = got.maxAbs[g];
    worst.add(`max |x| of group ${g}`, exact(Number.isNaN(w) ? Number.isNaN(m) : m === w));
    worst.add(`non-finite flag of group ${g}`, exact(got.nonFinite[g] === want.nonFinite[g]));
    const count = want.nonFinite[g] ? 1 : 0;
    worst.add(`flagged count of group ${g}`, exact(got.flaggedCount[g] === count));
  }
  return `${n} values, 4 groups, chunks of ${chunkSize}, NaN and -Inf from bits`;
});
