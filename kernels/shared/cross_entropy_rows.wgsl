// Shared by kernels/cross_entropy.wgsl and kernels/cross_entropy_subgroup.wgsl (`// @use
// cross_entropy_rows`): their one uniform Params, the bindings of the row entry points (see the
// header of cross_entropy.wgsl), and what a row does once its softmax statistics are known.

struct Params {
  rows: u32,
  vocab: u32,
  rowsPerRun: u32,
  runs: u32,
  logitScale: f32,
  gradCoef: f32,
  invRowsPerRun: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> dLogits: array<f32>;
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;

const NAN_BITS = 0x7fc00000u;
// Below every scaled logit that can take part in the softmax (the running max starts here).
const LOWEST = -3.0e38;

fn quietNan() -> f32 {
  let bits = NAN_BITS; // a runtime value: a constant NaN expression is a shader-creation error
  return bitcast<f32>(bits);
}

// Folds z = logitScale * l into a row's running max of scaled logits; false, with the max left as
// it is, when l or z is not finite (the row is then bad: its loss is NaN, its gradient zero).
fn foldLogitMax(l: f32, maxZ: ptr<function, f32>) -> bool {
  let z = p.logitScale * l;
  if (nonFinite(l) || nonFinite(z)) {
    return false;
  }
  *maxZ = max(*maxZ, z);
  return true;
}

struct RowStats {
  maxZ: f32,
  invSum: f32,
  loss: f32,
  bad: bool,
}

fn gradAt(st: RowStats, z: f32, isTarget: bool) -> f32 {
  if (st.bad) {
    return quietNan();
  }
  var q = exp(z - st.maxZ) * st.invSum;
  if (isTarget) {
    q -= 1.0;
  }
  return p.gradCoef * q;
}

// The row an invocation works on once its loss is written; `valid` is false past the last row.
struct RowAt {
  valid: bool,
  base: u32,
  targetId: u32,
  st: RowStats,
}

fn rowAt(row: u32, st: RowStats) -> RowAt {
  return RowAt(true, row * p.vocab, targets[row], st);
}

// The gradient at element i of the row.
fn gradOf(r: RowAt, i: u32) -> f32 {
  return gradAt(r.st, p.logitScale * logits[r.base + i], i == r.targetId);
}

// The row's gradient at elements first, first + step, ... into dLogits.
fn gradientTo(r: RowAt, first: u32, step: u32) {
  for (var i = first; r.valid && i < p.vocab; i += step) {
    dLogits[r.base + i] = gradOf(r, i);
  }
}

// The same over the logits: each element is read and then written by the same invocation, after
// the row's statistics are complete.
fn gradientInPlace(r: RowAt, first: u32, step: u32) {
  for (var i = first; r.valid && i < p.vocab; i += step) {
    logits[r.base + i] = gradOf(r, i);
  }
}

// The row entry points of the workgroup and subgroup variants: one row per workgroup of LANES
// invocations (the kernel's override), each taking logits lid, lid + LANES, ... The kernel defines
// rowStats(row, lane), called by the whole workgroup; the exit past the last row is uniform (the
// whole workgroup leaves together).

// One row per workgroup: writes its loss.
fn workgroupRow(lid: u32, grid: FlatGrid) -> RowAt {
  let row = flatGroup(grid);
  if (row >= p.rows) {
    return RowAt();
  }
  let st = rowStats(row, lid);
  if (lid == 0u) {
    rowLoss[row] = st.loss;
  }
  return rowAt(row, st);
}

@compute @workgroup_size(LANES, 1, 1)
fn forward(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  workgroupRow(lid, grid);
}

@compute @workgroup_size(LANES, 1, 1)
fn forward_backward(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  gradientTo(workgroupRow(lid, grid), lid, LANES);
}

@compute @workgroup_size(LANES, 1, 1)
fn forward_backward_in_place(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  gradientInPlace(workgroupRow(lid, grid), lid, LANES);
}
