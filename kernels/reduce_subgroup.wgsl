enable subgroups;

// reduce_subgroup: the 'subgroup' variant of kernels/reduce.wgsl (the same statistics, bindings,
// buffer layouts and non-finite rules; see that file's header), with no workgroup memory and no
// barrier. A file of its own because `enable subgroups;` (which must come first in the module)
// fails to compile on a device without the `subgroups` feature.
//
// Workgroups of SG threads, SG (override) = the adapter's subgroupMinSize (at most 256): a
// workgroup no larger than the smallest subgroup is always exactly one subgroup, whatever size
// the driver picks, so subgroupAdd / subgroupMax / subgroupOr over its active invocations
// combine the whole workgroup.
//   chunk_stats_subgroup: one workgroup per chunk (flatGrid, chunk = wid.x + wid.y * nwg.x);
//                         lane `lid` takes elements start + lid, start + lid + SG, ...
//   group_stats_subgroup: one workgroup per group, (groups, 1, 1); lanes stride the partials.
// Each lane sums its squares pairwise (kernels/shared/pair_sum.wgsl): a term of the sum of squares is
// rounded once for the square, at most floor(log2 ceil(n / SG)) + 1 times in its lane, and at
// most SG - 1 times by subgroupAdd (whose order the driver picks; fixed for one device, so the
// bits repeat): src/ops/errorBounds.ts sumSquaresRelBound.

// Params, the bindings, countElement, mergePartial and writeGroupStats
// (kernels/shared/reduce_stats.wgsl):
// @use reduce_stats

// Threads per workgroup: the adapter's smallest subgroup size (set by the wrapper).
override SG: u32 = 32u;

// @use pair_sum
alias PairTerm = f32;

@compute @workgroup_size(SG, 1, 1)
fn chunk_stats_subgroup(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let c = flatGroup(grid);
  if (c >= p.numChunks) {
    return; // uniform: the whole workgroup (one subgroup) leaves together
  }
  let ch = chunks[c];
  var s: PairSum;
  var mx = 0u;
  var bad = 0u;
  for (var i = ch.x + lid; i < ch.y; i += SG) {
    let v = x[i];
    if (countElement(v, &mx, &bad)) {
      pairAdd(&s, v * v);
    }
  }
  let sum = subgroupAdd(pairTotal(&s));
  let chunkMax = subgroupMax(mx);
  let chunkBad = subgroupOr(bad);
  if (lid == 0u) {
    partials[c] = vec4<u32>(bitcast<u32>(sum), chunkMax, chunkBad, 0u);
  }
}

@compute @workgroup_size(SG, 1, 1)
fn group_stats_subgroup(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let g = wid.x;
  if (g >= p.groups) {
    return;
  }
  let range = groupRanges[g];
  var s: PairSum;
  var mx = 0u;
  var bad = 0u;
  for (var i = range.x + lid; i < range.y; i += SG) {
    pairAdd(&s, mergePartial(partials[i], &mx, &bad));
  }
  let sum = subgroupAdd(pairTotal(&s));
  let groupMax = subgroupMax(mx);
  let groupBad = subgroupOr(bad);
  if (lid == 0u) {
    writeGroupStats(g, sum, groupMax, groupBad);
  }
}
