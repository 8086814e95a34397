/** Float64 reference of kernels/reduce.wgsl: per-group statistics of an array. */
export type Numbers = ArrayLike<number>;

export interface SegmentRef {
  offset: number;
  length: number;
  group?: number;
}

export interface GroupStatsRef {
  /** Sum of squares of the finite values. */
  sumSquares: number[];
  /** max |x|: NaN if any NaN, Infinity if any infinity (and no NaN). */
  maxAbs: number[];
  /** Any non-finite value, or a sum of squares that overflows float32. */
  nonFinite: boolean[];
}

const F32_MAX = 3.4028234663852886e38;

export function groupStatsRef(
  x: Numbers,
  segments: readonly SegmentRef[] = [{ offset: 0, length: x.length }],
  groups = Math.max(1, ...segments.map((s) => (s.group ?? 0) + 1)),
): GroupStatsRef {
  const out: GroupStatsRef = {
    sumSquares: new Array<number>(groups).fill(0),
    maxAbs: new Array<number>(groups).fill(0),
    nonFinite: new Array<boolean>(groups).fill(false),
  };
  for (const s of segments) {
    const g = s.group ?? 0;
    for (let i = s.offset; i < s.offset + s.length; i++) {
      const v = x[i];
      const a = Math.abs(v);
      if (Number.isNaN(a) || Number.isNaN(out.maxAbs[g])) out.maxAbs[g] = NaN;
      else out.maxAbs[g] = Math.max(out.maxAbs[g], a);
      if (Number.isFinite(v)) out.sumSquares[g] += v * v;
      else out.nonFinite[g] = true;
    }
  }
  for (let g = 0; g < groups; g++) {
    if (out.sumSquares[g] > F32_MAX) out.nonFinite[g] = true;
  }
  return out;
}
