enable subgroups;

// cross_entropy_subgroup: the 'subgroup' variant of kernels/cross_entropy.wgsl (the same math,
// bindings, buffer layouts and bad-input rules; see that file's header), its row reductions by
// subgroup operations instead of workgroup memory and barriers. A file of its own because
// `enable subgroups;` (which must come first in the module) fails to compile on a device without
// the `subgroups` feature.
//
// One workgroup of LANES threads per row, LANES (override) = the adapter's subgroupMinSize (at most
// 256): a workgroup no larger than the smallest subgroup is always exactly one subgroup, whatever
// size the driver picks, so subgroupMax / subgroupAdd / subgroupAny over its active invocations
// combine the whole row. Lane `lid` takes logits lid, lid + LANES, ...
//   forward, forward_backward, forward_backward_in_place (kernels/shared/cross_entropy_rows.wgsl,
//     as for the workgroup variant): (x, y) workgroups (flatGrid), row = wid.x + wid.y * nwg.x.
//     Bindings as the same entry points of cross_entropy.wgsl.
// The mean loss per run is cross_entropy.wgsl's `mean_loss_row`.
// Per lane: the max of its scaled logits, then the sum of exp(z - rowMax) over them in order
// (each term rounded at most ceil(V / LANES) times), then subgroupAdd over the lanes (at most
// LANES - 1 more, in the driver's order: fixed for one device, so the bits repeat).
// In place: each lane reads and then overwrites only its own logits; the target's scaled logit
// reaches the other lanes through subgroupAdd (its owner adds it, the others add 0: exact), so no
// lane reads a logit another lane may already have overwritten.

// Params, bindings 0-4, RowStats and the gradient (kernels/shared/cross_entropy_rows.wgsl):
// @use cross_entropy_rows

// Threads per workgroup: the adapter's smallest subgroup size (set by the wrapper).
override LANES: u32 = 32u;

// Softmax statistics of one row, identical in every lane; called by the whole subgroup.
fn rowStats(row: u32, lid: u32) -> RowStats {
  let base = row * p.vocab;
  let t = targets[row];
  var mz = LOWEST;
  var bad = false;
  var zt = 0.0;
  for (var i = lid; i < p.vocab; i += LANES) {
    let l = logits[base + i];
    if (!foldLogitMax(l, &mz)) {
      bad = true;
    }
    if (i == t) {
      zt = p.logitScale * l;
    }
  }
  var st: RowStats;
  st.bad = subgroupAny(bad) || t >= p.vocab;
  st.maxZ = subgroupMax(mz);
  // Exactly one lane holds the target's logit (or none when t >= V): the sum adds zeros to it.
  let targetZ = subgroupAdd(zt);
  var s = 0.0;
  if (!st.bad) {
    for (var i = lid; i < p.vocab; i += LANES) {
      s += exp(p.logitScale * logits[base + i] - st.maxZ);
    }
  }
  let sum = subgroupAdd(s);
  st.invSum = 1.0 / sum;
  // Both terms are >= 0 (the sum holds exp(0) = 1 for the maximum): no cancellation.
  st.loss = (st.maxZ - targetZ) + log(sum);
  if (st.bad) {
    st.loss = quietNan();
  }
  return st;
}
