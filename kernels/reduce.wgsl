// reduce: per-group statistics of a float array in one two-level pass: sum of squares, max |x|
// and a non-finite flag (plus a running count of flagged passes). The optimizer's reductions:
// the global gradient norm for clipping and the NaN/Inf check, one value per group (per run
// when several runs are stacked). Deterministic: every sum is taken in a fixed order, no atomics.
//
// Bindings (group 0):
//   0 p:           uniform Params
//   1 x:           storage<read>        [*] f32, the array reduced (e.g. all gradients).
//   2 chunks:      storage<read>        [numChunks] vec4<u32> (start, end, group, tensor): the
//                                       element range [start, end) of x one workgroup reduces,
//                                       its group, and (unused here) the tensor it belongs to.
//                                       Chunks of one group are contiguous in this table.
//   3 partials:    storage<read_write>  [numChunks] vec4<u32> (sum-of-squares f32 bits,
//                                       max |x| f32 bits, non-finite 0/1, 0): written by
//                                       `chunk_stats`, read by `group_stats`.
//   4 groupRanges: storage<read>        [groups] vec2<u32>: the chunks [first, end) of a group.
//   5 stats:       storage<read_write>  [groups] vec4<u32> (sum-of-squares f32 bits, max |x| f32
//                                       bits, non-finite 0/1, count of flagged passes): written by
//                                       `group_stats`; .w accumulates across passes (zero it once).
// Dispatch: `chunk_stats` over numChunks workgroups laid out by flatGrid, chunk index
// wid.x + wid.y * nwg.x; then `group_stats` over (groups, 1, 1). Workgroup 256.
//
// Non-finite values are found from the float BITS (exponent all ones), never from float
// comparisons, which a compiler may fold away assuming no NaN. They are left out of the sum of
// squares and raise the flag; the flag is also raised when the sum itself is not finite (a finite
// array whose squares overflow f32). max |x| is the maximum of the bit patterns with the sign
// cleared, which orders non-negative floats exactly (+Inf above finite values, NaN above +Inf):
// it is NaN when x holds a NaN and +Inf when x holds an infinity.

// Params, the bindings, countElement, mergePartial and writeGroupStats
// (kernels/shared/reduce_stats.wgsl):
// @use reduce_stats

const WG = 256u;

var<workgroup> wsum: array<f32, WG>;
var<workgroup> wmax: array<u32, WG>;
var<workgroup> wbad: array<u32, WG>;

// Tree reduction of the three workgroup arrays into element 0, in a fixed order.
fn reduceWorkgroup(tid: u32) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) {
      wsum[tid] = wsum[tid] + wsum[tid + stride];
      wmax[tid] = max(wmax[tid], wmax[tid + stride]);
      wbad[tid] = wbad[tid] | wbad[tid + stride];
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256, 1, 1)
fn chunk_stats(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let c = flatGroup(grid);
  if (c >= p.numChunks) {
    return;
  }
  let ch = chunks[c];
  var s = 0.0;
  var mx = 0u;
  var bad = 0u;
  for (var i = ch.x + lid; i < ch.y; i += WG) {
    let v = x[i];
    if (countElement(v, &mx, &bad)) {
      s = fma(v, v, s);
    }
  }
  wsum[lid] = s;
  wmax[lid] = mx;
  wbad[lid] = bad;
  reduceWorkgroup(lid);
  if (lid == 0u) {
    partials[c] = vec4<u32>(bitcast<u32>(wsum[0]), wmax[0], wbad[0], 0u);
  }
}

@compute @workgroup_size(256, 1, 1)
fn group_stats(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let g = wid.x;
  if (g >= p.groups) {
    return;
  }
  let range = groupRanges[g];
  var s = 0.0;
  var mx = 0u;
  var bad = 0u;
  for (var i = range.x + tid; i < range.y; i += WG) {
    s += mergePartial(partials[i], &mx, &bad);
  }
  wsum[tid] = s;
  wmax[tid] = mx;
  wbad[tid] = bad;
  reduceWorkgroup(tid);
  if (tid == 0u) {
    writeGroupStats(g, wsum[0], wmax[0], wbad[0]);
  }
}
