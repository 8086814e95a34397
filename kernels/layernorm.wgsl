// layernorm over the last dimension of x [rows, width] (row-major), and its backward.
//
//   forward:  mean_r = sum_j x[r,j] / width
//             rstd_r = 1 / sqrt(sum_j (x[r,j] - mean_r)^2 / width + eps)   (biased variance)
//             y[r,j] = (x[r,j] - mean_r) * rstd_r * gain[j] + bias[j]     (bias when HAS_BIAS)
//   backward: xhat = (x - mean) * rstd, g = dy * gain
//             dx[r,j]  = rstd_r * (g[r,j] - mean_j(g[r,:]) - xhat[r,j] * mean_j(g[r,:] xhat[r,:]))
//                        + dxBeta * dx[r,j]
//             dgain[j] = sum_r dy[r,j] xhat[r,j] + paramBeta * dgain[j]
//             dbias[j] = sum_r dy[r,j]           + paramBeta * dbias[j]   (when HAS_BIAS)
//   The beta terms accumulate into existing gradients; a beta of 0 never reads the old value.
//
// Stacked runs: the rows are rows / rowsPerRun runs of rowsPerRun rows; row r uses run
// floor(r / rowsPerRun)'s gain and bias, paramStride elements after the previous run's, and its
// dgain/dbias (row blocks never cross a run: each run's sums are those of a dispatch of its own,
// in the same order, bit for bit). One run: rowsPerRun = rows.
//
// x comes through kernels/shared/layernorm_input.wgsl (binding 1). The fused residual compiles
// this same file with kernels/shared/layernorm_residual_input.wgsl in its place (module
// `layernorm_residual`, src/ops/layernorm.ts): the forward entry points then compute
// x = resA + residualScale * resB in a row's first pass, write it to xMid and normalise it, in one
// dispatch (y, mean, rstd as forward); binding 1 is not used.
//
// Bindings (group 0); each entry point uses only the ones listed for it:
//   0  p:         uniform Params                           all
//   1  x:         storage<read>        [rows, width]       forward*, backward_dx, backward_params_partial
//   2  gain:      storage<read>        [(runs-1)·paramStride + width]  forward*, backward_dx
//   3  bias:      storage<read>        as gain             forward* (any buffer unless HAS_BIAS)
//   4  y:         storage<read_write>  [rows, width]       forward*
//   5  meanOut:   storage<read_write>  [rows]              forward*
//   6  rstdOut:   storage<read_write>  [rows]              forward*
//   7  dy:        storage<read>        [rows, width]       backward_dx, backward_params_partial
//   8  meanIn:    storage<read>        [rows]              backward_dx, backward_params_partial
//   9  rstdIn:    storage<read>        [rows]              backward_dx, backward_params_partial
//   10 dx:        storage<read_write>  [rows, width]       backward_dx
//   11 partial:   storage<read_write>  [2, runs·rowBlocks, width]  backward_params_partial
//   12 partialIn: storage<read>        [2, runs·rowBlocks, width]  backward_params_final
//   13 dgain:     storage<read_write>  run k's dgain at dgainAt + k·paramStride (and dbias at
//                                      dbiasAt + k·paramStride when dbiasInDgain)
//                                                          backward_params_final
//   14 dbias:     storage<read_write>  as gain (any unless HAS_BIAS and not dbiasInDgain)
//                                                          backward_params_final
//   15 resA, 16 resB: storage<read>    [rows, width]       forward* of layernorm_residual
//   17 xMid:      storage<read_write>  [rows, width]       forward* of layernorm_residual
// (forward*: forward, forward_row, and forward_subgroup of kernels/layernorm_subgroup.wgsl.)
//
// Dispatch:
//   forward*, backward_dx:    one workgroup of 256 per row; rows may be split over (x, y) when
//                             they exceed the per-dimension limit: row = wid.x + wid.y * nwg.x.
//                             Each thread strides the row by 256, then a fixed-order tree
//                             reduction in workgroup memory (two passes: mean, then variance).
//   backward_params_partial:  (ceil(width / 32), runs·rowBlocks), workgroup 32 x 8, rowBlocks =
//                             ceil(rowsPerRun / ROWS_PER_BLOCK). Column j of block b (run
//                             b / rowBlocks) sums that run's rows [(b % rowBlocks) *
//                             ROWS_PER_BLOCK, +ROWS_PER_BLOCK) into partial[., b, j].
//   backward_params_final:    ceil(runs·width / 64) workgroups of 64: one thread per (run, column)
//                             sums the run's rowBlocks partials in order.
//
// Barrier-free 'row' variant (no workgroup memory; for CPU adapters such as SwiftShader, where a
// barrier suspends every subgroup, and for narrow rows). ROW_WG threads per workgroup, the flat
// thread index t = (wid.x + wid.y * nwg.x) * ROW_WG + lid:
//   forward_row, backward_dx_row:   one thread per row (row = t): three loops
//                                   over the row (sum, centred sum of squares, write; or sum g and
//                                   g xhat, then write), each sum pairwise in one thread (pairAdd).
//                                   ceil(rows / ROW_WG) workgroups on a flat (x, y) grid.
//   backward_params_partial_row:    one thread per (column, row block): t = block * width + col
//                                   sums the block's rows pairwise into the same partial layout
//                                   as backward_params_partial; ceil(runs·rowBlocks * width /
//                                   ROW_WG) workgroups on a flat grid. Then backward_params_final.
// Pairwise (cascade) summation of n terms rounds each term at most floor(log2 n) + 1 times,
// never more than the workgroup variant's ceil(n / 256) + 8.
// No float atomics: every sum has a fixed order, so results repeat bit for bit.

// Params, bindings 0 and 2-10, HAS_BIAS and the per-element steps (kernels/shared/layernorm_rows.wgsl):
// @use layernorm_rows
// x (binding 1): firstX, loadX; replaced by layernorm_residual_input for the fused residual:
// @use layernorm_input
@group(0) @binding(11) var<storage, read_write> partial: array<f32>;
@group(0) @binding(12) var<storage, read> partialIn: array<f32>;
@group(0) @binding(13) var<storage, read_write> dgain: array<f32>;
@group(0) @binding(14) var<storage, read_write> dbias: array<f32>;

const WG = 256u;
// Rows summed by one workgroup of backward_params_partial (8 row lanes); set by the wrapper,
// which sizes the partial buffer from it.
override ROWS_PER_BLOCK: u32 = 128u;

var<workgroup> redA: array<f32, 256>;
var<workgroup> redB: array<f32, 256>;

// Fixed-order tree sum of one value per thread; called in uniform control flow.
fn sum1(tid: u32, v: f32) -> f32 {
  redA[tid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (tid < s) {
      redA[tid] += redA[tid + s];
    }
    workgroupBarrier();
  }
  let total = redA[0];
  workgroupBarrier(); // everyone has read redA[0] before it is reused
  return total;
}

// Two tree sums at once (the backward needs sum g and sum g * xhat).
fn sum2(tid: u32, v: vec2<f32>) -> vec2<f32> {
  redA[tid] = v.x;
  redB[tid] = v.y;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (tid < s) {
      redA[tid] += redA[tid + s];
      redB[tid] += redB[tid + s];
    }
    workgroupBarrier();
  }
  let total = vec2<f32>(redA[0], redB[0]);
  workgroupBarrier();
  return total;
}

fn rowSum(lid: u32, v: f32) -> f32 {
  return sum1(lid, v);
}

fn rowSum2(lid: u32, v: vec2<f32>) -> vec2<f32> {
  return sum2(lid, v);
}

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  forwardRow(lid, grid, WG);
}

@compute @workgroup_size(256, 1, 1)
fn backward_dx(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  backwardDxRow(lid, grid, WG);
}

// Rows [x, y) of dgain/dbias row block `block` (of all runs): never past its run's last row.
fn blockRows(block: u32) -> vec2<u32> {
  let run = block / p.rowBlocks;
  let runEnd = (run + 1u) * p.rowsPerRun;
  let r0 = run * p.rowsPerRun + (block % p.rowBlocks) * ROWS_PER_BLOCK;
  return vec2<u32>(r0, min(runEnd, r0 + ROWS_PER_BLOCK));
}

var<workgroup> colG: array<f32, 256>; // [8 row lanes][32 columns]
var<workgroup> colB: array<f32, 256>;

@compute @workgroup_size(32, 8, 1)
fn backward_params_partial(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let col = wid.x * 32u + lid.x;
  let block = wid.y;
  let rows = blockRows(block);
  let r0 = rows.x;
  let r1 = rows.y;
  var sg = 0.0;
  var sb = 0.0;
  if (col < p.width) {
    for (var r = r0 + lid.y; r < r1; r += 8u) {
      let d = dy[r * p.width + col];
      let xhat = (loadX(r * p.width + col) - meanIn[r]) * rstdIn[r];
      sg = fma(d, xhat, sg);
      sb += d;
    }
  }
  let slot = lid.y * 32u + lid.x;
  colG[slot] = sg;
  colB[slot] = sb;
  workgroupBarrier();
  for (var s = 4u; s > 0u; s = s >> 1u) {
    if (lid.y < s) {
      colG[slot] += colG[slot + s * 32u];
      colB[slot] += colB[slot + s * 32u];
    }
    workgroupBarrier();
  }
  if (lid.y == 0u && col < p.width) {
    partial[block * p.width + col] = colG[lid.x];
    partial[(allRowBlocks() + block) * p.width + col] = colB[lid.x];
  }
}

@compute @workgroup_size(64, 1, 1)
fn backward_params_final(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x % p.width;
  let run = gid.x / p.width;
  if (run >= p.rows / p.rowsPerRun) {
    return;
  }
  let blocks = allRowBlocks();
  var sg = 0.0;
  var sb = 0.0;
  for (var b = run * p.rowBlocks; b < (run + 1u) * p.rowBlocks; b++) {
    sg += partialIn[b * p.width + col];
    sb += partialIn[(blocks + b) * p.width + col];
  }
  let at = run * p.paramStride + col;
  let g = p.dgainAt + at;
  if (p.paramBeta != 0.0) {
    sg += p.paramBeta * dgain[g];
  }
  dgain[g] = sg;
  if (HAS_BIAS) {
    if (p.dbiasInDgain != 0u) {
      let b = p.dbiasAt + at;
      if (p.paramBeta != 0.0) {
        sb += p.paramBeta * dgain[b];
      }
      dgain[b] = sb;
    } else {
      if (p.paramBeta != 0.0) {
        sb += p.paramBeta * dbias[at];
      }
      dbias[at] = sb;
    }
  }
}

// ---- barrier-free 'row' variant ----

// Threads per workgroup of the row entry points; set by the wrapper.
override ROW_WG: u32 = 64u;

// The row entry points sum (value, second value) pairs pairwise (kernels/shared/pair_sum.wgsl):
// @use pair_sum
alias PairTerm = vec2<f32>;

@compute @workgroup_size(ROW_WG, 1, 1)
fn forward_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let row = flatItem(lid, grid, ROW_WG);
  if (row >= p.rows) {
    return;
  }
  let n = p.width;
  let base = row * n;
  let count = f32(n);

  var s: PairSum;
  for (var j = 0u; j < n; j++) {
    pairAdd(&s, vec2<f32>(firstX(base + j), 0.0));
  }
  let mean = pairTotal(&s).x / count;

  // Second pass over centred values: no cancellation when |mean| >> std.
  var q: PairSum;
  for (var j = 0u; j < n; j++) {
    let d = loadX(base + j) - mean;
    pairAdd(&q, vec2<f32>(d * d, 0.0));
  }
  let rstd = inverseSqrt(pairTotal(&q).x / count + p.eps);

  laneWriteY(base, 0u, 1u, paramBase(row), mean, rstd);
  meanOut[row] = mean;
  rstdOut[row] = rstd;
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn backward_dx_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let row = flatItem(lid, grid, ROW_WG);
  if (row >= p.rows) {
    return;
  }
  let n = p.width;
  let base = row * n;
  let g0 = paramBase(row);
  let mean = meanIn[row];
  let rstd = rstdIn[row];

  var s: PairSum;
  for (var j = 0u; j < n; j++) {
    pairAdd(&s, dxTerms(base, j, g0, mean, rstd));
  }
  let sums = pairTotal(&s) / f32(n);

  laneWriteDx(base, 0u, 1u, g0, mean, rstd, sums);
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn backward_params_partial_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let t = flatItem(lid, grid, ROW_WG);
  let col = t % p.width;
  let block = t / p.width;
  if (block >= allRowBlocks()) {
    return;
  }
  let rows = blockRows(block);
  var s: PairSum;
  for (var r = rows.x; r < rows.y; r++) {
    let d = dy[r * p.width + col];
    let xhat = (loadX(r * p.width + col) - meanIn[r]) * rstdIn[r];
    pairAdd(&s, vec2<f32>(d * xhat, d));
  }
  let total = pairTotal(&s);
  partial[block * p.width + col] = total.x;
  partial[(allRowBlocks() + block) * p.width + col] = total.y;
}
