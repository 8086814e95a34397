// cross_entropy: softmax cross-entropy over the vocabulary, forward and backward fused, with the
// µP output multiplier applied to the logits, and the mean loss per run.
//
// For row r (a token) with logits l_r [V], target t_r and multiplier s = logitScale (µP: α_out / m):
//   z = s l_r,   loss_r = logsumexp(z) - z[t_r]
//   dlogits_r = gradCoef (softmax(z) - onehot(t_r)),   gradCoef = s gradScale / rowsPerRun
// which is the gradient of gradScale * (mean loss of the row's run) with respect to l_r.
// The R rows are `runs` stacked runs of rowsPerRun = R / runs consecutive rows each (runs = 1:
// the mean over all rows); loss[k] = mean of loss_r over run k's rows.
//
// Bindings (group 0):
//   0 p:       uniform Params
//   1 logits:  storage<read_write>  [R, V] f32 row-major. Read; overwritten with the gradient by
//                                   `forward_backward_in_place`.
//   2 targets: storage<read>        [R] u32, each < V.
//   3 dLogits: storage<read_write>  [R, V] f32, written by `forward_backward`.
//   4 rowLoss: storage<read_write>  [R] f32, loss_r (written by all three row entry points).
//   5 loss:    storage<read_write>  [runs] f32, written by `mean_loss`.
// Entry points and dispatch:
//   forward, forward_backward, forward_backward_in_place (kernels/shared/cross_entropy_rows.wgsl):
//     one workgroup of LANES threads per row, (x, y) workgroups (flatGrid),
//     row = wid.x + wid.y * nwg.x.
//   mean_loss: one workgroup per run, (runs, 1, 1), after a row entry point (same pass is fine).
// LANES (override, a power of two <= 256) threads stride over the row: an online max/sum-of-exp
// per thread, then a fixed-order tree across the workgroup (deterministic; no float atomics).
//
// Barrier-free 'row' variant (no workgroup memory; for CPU adapters such as SwiftShader, where a
// barrier suspends every subgroup, and for small vocabularies):
//   forward_row, forward_backward_row, forward_backward_in_place_row: one thread per row, ROW_WG
//     (override) rows per workgroup, ceil(R / ROW_WG) workgroups laid out by flatGrid,
//     row = (wid.x + wid.y * nwg.x) * ROW_WG + lid. Three loops over the row: the max of the
//     scaled logits (exact), the pairwise sum of exp(z - max), then the gradient.
//   mean_loss_row: one thread per run, ceil(runs / ROW_WG) workgroups, summing the run's row
//     losses pairwise in row order.
// Pairwise (cascade) summation of n terms rounds each term at most floor(log2 n) + 1 times.
//
// Bad input fails loudly: a row whose scaled logits are not all finite (tested on the float bits)
// or whose target is >= V gets a NaN loss and an all-NaN gradient row, and a run holding such a
// row gets a NaN mean loss, so that the optimizer's non-finite check skips the update.

// Params, bindings 0-4, RowStats and the gradient (kernels/shared/cross_entropy_rows.wgsl):
// @use cross_entropy_rows
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;

override LANES: u32 = 256u;

var<workgroup> redM: array<f32, LANES>;
var<workgroup> redS: array<f32, LANES>;
var<workgroup> redBad: array<u32, LANES>;

// Softmax statistics of one row, identical in every thread of the workgroup. Must be called in
// uniform control flow. All reads of the row happen before its last barrier, so the caller may
// overwrite the row afterwards.
fn rowStats(row: u32, tid: u32) -> RowStats {
  let base = row * p.vocab;
  let t = targets[row];
  var zt = 0.0;
  if (t < p.vocab) {
    zt = p.logitScale * logits[base + t];
  }
  var mz = LOWEST;
  var s = 0.0;
  var bad = 0u;
  for (var i = tid; i < p.vocab; i += LANES) {
    let l = logits[base + i];
    let z = p.logitScale * l;
    if (nonFinite(l) || nonFinite(z)) {
      bad = 1u;
    } else if (z > mz) {
      s = select(s * exp(mz - z), 0.0, s == 0.0) + 1.0;
      mz = z;
    } else {
      s += exp(z - mz);
    }
  }
  redM[tid] = mz;
  redS[tid] = s;
  redBad[tid] = bad;
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) {
      let m1 = redM[tid];
      let s1 = redS[tid];
      let m2 = redM[tid + stride];
      let s2 = redS[tid + stride];
      if (s1 == 0.0) {
        redM[tid] = m2;
        redS[tid] = s2;
      } else if (s2 != 0.0) {
        let mm = max(m1, m2);
        redS[tid] = s1 * exp(m1 - mm) + s2 * exp(m2 - mm);
        redM[tid] = mm;
      }
      redBad[tid] = redBad[tid] | redBad[tid + stride];
    }
    workgroupBarrier();
  }
  var st: RowStats;
  st.maxZ = redM[0];
  st.invSum = 1.0 / redS[0];
  st.bad = redBad[0] != 0u || t >= p.vocab;
  // Both terms are >= 0 (the sum holds exp(0) = 1 for the maximum): no cancellation.
  st.loss = (st.maxZ - zt) + log(redS[0]);
  if (st.bad) {
    st.loss = quietNan();
  }
  return st;
}

@compute @workgroup_size(LANES, 1, 1)
fn mean_loss(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let run = wid.x;
  if (run >= p.runs) {
    return;
  }
  let first = run * p.rowsPerRun;
  var s = 0.0;
  var bad = 0u;
  for (var i = tid; i < p.rowsPerRun; i += LANES) {
    let l = rowLoss[first + i];
    if (nonFinite(l)) {
      bad = 1u;
    } else {
      s += l;
    }
  }
  redS[tid] = s;
  redBad[tid] = bad;
  workgroupBarrier();
  for (var stride = LANES / 2u; stride > 0u; stride = stride / 2u) {
    if (tid < stride) {
      redS[tid] = redS[tid] + redS[tid + stride];
      redBad[tid] = redBad[tid] | redBad[tid + stride];
    }
    workgroupBarrier();
  }
  if (tid == 0u) {
    var mean = redS[0] * p.invRowsPerRun;
    if (redBad[0] != 0u) {
      mean = quietNan();
    }
    loss[run] = mean;
  }
}

// ---- barrier-free 'row' variant ----

override ROW_WG: u32 = 64u;

// The row entry points sum pairwise (kernels/shared/pair_sum.wgsl, of this term type):
// @use pair_sum
alias PairTerm = f32;

// Softmax statistics of one row computed by one thread; reads the row twice.
fn rowStatsSerial(row: u32) -> RowStats {
  let base = row * p.vocab;
  let t = targets[row];
  var bad = t >= p.vocab;
  var zt = 0.0;
  if (!bad) {
    zt = p.logitScale * logits[base + t];
  }
  var mz = LOWEST;
  for (var i = 0u; i < p.vocab; i++) {
    if (!foldLogitMax(logits[base + i], &mz)) {
      bad = true;
    }
  }
  var st: RowStats;
  st.bad = bad;
  st.maxZ = mz;
  if (bad) {
    st.invSum = 0.0;
    st.loss = quietNan();
    return st;
  }
  var s: PairSum;
  for (var i = 0u; i < p.vocab; i++) {
    pairAdd(&s, exp(p.logitScale * logits[base + i] - mz));
  }
  let sum = pairTotal(&s);
  st.invSum = 1.0 / sum;
  // Both terms are >= 0 (the sum holds exp(0) = 1 for the maximum): no cancellation.
  st.loss = (mz - zt) + log(sum);
  return st;
}

// One row per invocation: writes its loss.
fn serialRow(lid: u32, grid: FlatGrid) -> RowAt {
  let row = flatItem(lid, grid, ROW_WG);
  if (row >= p.rows) {
    return RowAt();
  }
  let st = rowStatsSerial(row);
  rowLoss[row] = st.loss;
  return rowAt(row, st);
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn forward_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  serialRow(lid, grid);
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn forward_backward_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  gradientTo(serialRow(lid, grid), 0u, 1u);
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn forward_backward_in_place_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  gradientInPlace(serialRow(lid, grid), 0u, 1u);
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn mean_loss_row(@builtin(global_invocation_id) gid: vec3<u32>) {
  let run = gid.x;
  if (run >= p.runs) {
    return;
  }
  let first = run * p.rowsPerRun;
  var s: PairSum;
  var bad = false;
  for (var i = 0u; i < p.rowsPerRun; i++) {
    let l = rowLoss[first + i];
    if (nonFinite(l)) {
      bad = true;
    } else {
      pairAdd(&s, l);
    }
  }
  var mean = pairTotal(&s) * p.invRowsPerRun;
  if (bad) {
    mean = quietNan();
  }
  loss[run] = mean;
}
