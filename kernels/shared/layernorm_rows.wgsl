// Shared by kernels/layernorm.wgsl and kernels/layernorm_subgroup.wgsl (`// @use layernorm_rows`):
// their one uniform Params, bindings 0 and 2-10 (see the header of layernorm.wgsl) and what the
// row entry points do per element once a row's sums are known. x comes from the kernel's input
// snippet: firstX(i) in a row's first pass, loadX(i) after (kernels/shared/layernorm_input.wgsl,
// or layernorm_residual_input.wgsl for the fused residual).
//
// Stacked runs: the rows are `rows / rowsPerRun` runs of rowsPerRun rows each; row r normalises
// with run floor(r / rowsPerRun)'s gain and bias, which sit paramStride elements after the
// previous run's (one run: rowsPerRun = rows).

struct Params {
  rows: u32,
  width: u32,
  // dgain/dbias row blocks of one run (ceil(rowsPerRun / ROWS_PER_BLOCK)).
  rowBlocks: u32,
  eps: f32,
  dxBeta: f32,
  paramBeta: f32,
  rowsPerRun: u32,
  paramStride: u32,
  // backward_params_final: where run 0's dgain and dbias start in binding 13, and whether dbias
  // is written there too (1: both are views of one buffer) or to binding 14 (0).
  dgainAt: u32,
  dbiasAt: u32,
  dbiasInDgain: u32,
  // With layernorm_residual_input: x = resA + residualScale * resB.
  residualScale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> gain: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstdOut: array<f32>;
@group(0) @binding(7) var<storage, read> dy: array<f32>;
@group(0) @binding(8) var<storage, read> meanIn: array<f32>;
@group(0) @binding(9) var<storage, read> rstdIn: array<f32>;
@group(0) @binding(10) var<storage, read_write> dx: array<f32>;

override HAS_BIAS: bool = true;

// Offset of the gain (and bias) that row `row` uses: its run's copy.
fn paramBase(row: u32) -> u32 {
  return (row / p.rowsPerRun) * p.paramStride;
}

// Row blocks of the dgain/dbias partial sums over all runs.
fn allRowBlocks() -> u32 {
  return (p.rows / p.rowsPerRun) * p.rowBlocks;
}

// y for value v at column j (g0: the row's paramBase).
fn normalized(v: f32, j: u32, g0: u32, mean: f32, rstd: f32) -> f32 {
  var out = (v - mean) * rstd * gain[g0 + j];
  if (HAS_BIAS) {
    out += bias[g0 + j];
  }
  return out;
}

// (g, g * xhat) at element j, g = dy * gain: the terms of the two sums dx needs.
fn dxTerms(base: u32, j: u32, g0: u32, mean: f32, rstd: f32) -> vec2<f32> {
  let g = dy[base + j] * gain[g0 + j];
  let xhat = (loadX(base + j) - mean) * rstd;
  return vec2<f32>(g, g * xhat);
}

// dx at element j from the row's means of the dxTerms.
fn writeDx(base: u32, j: u32, g0: u32, mean: f32, rstd: f32, sums: vec2<f32>) {
  let g = dy[base + j] * gain[g0 + j];
  let xhat = (loadX(base + j) - mean) * rstd;
  var v = rstd * (g - sums.x - xhat * sums.y);
  if (p.dxBeta != 0.0) {
    v += p.dxBeta * dx[base + j];
  }
  dx[base + j] = v;
}

// An invocation's share of a row at `base`: elements first, first + step, ... (the workgroup and
// subgroup variants: lane `lid` of `step`; the row variant: 0 and 1, the whole row).

// Its sum of x, in order.
fn laneSum(base: u32, first: u32, step: u32) -> f32 {
  var s = 0.0;
  for (var j = first; j < p.width; j += step) {
    s += firstX(base + j);
  }
  return s;
}

// Its sum of squared distances from the mean, in order (a second pass over centred values: no
// cancellation when |mean| >> std).
fn laneCentredSquares(base: u32, first: u32, step: u32, mean: f32) -> f32 {
  var q = 0.0;
  for (var j = first; j < p.width; j += step) {
    let d = loadX(base + j) - mean;
    q = fma(d, d, q);
  }
  return q;
}

// Its sum of the dxTerms, in order.
fn laneDxTerms(base: u32, first: u32, step: u32, g0: u32, mean: f32, rstd: f32) -> vec2<f32> {
  var acc = vec2<f32>(0.0, 0.0);
  for (var j = first; j < p.width; j += step) {
    acc += dxTerms(base, j, g0, mean, rstd);
  }
  return acc;
}

fn laneWriteY(base: u32, first: u32, step: u32, g0: u32, mean: f32, rstd: f32) {
  for (var j = first; j < p.width; j += step) {
    y[base + j] = normalized(loadX(base + j), j, g0, mean, rstd);
  }
}

fn laneWriteDx(base: u32, first: u32, step: u32, g0: u32, mean: f32, rstd: f32, sums: vec2<f32>) {
  for (var j = first; j < p.width; j += step) {
    writeDx(base, j, g0, mean, rstd, sums);
  }
}

// The workgroup and subgroup variants: one row per workgroup of `lanes` invocations. The kernel
// defines rowSum(lid, v) and rowSum2(lid, v), the sums of v (f32, vec2<f32>) over the
// workgroup, which all its invocations call together.

fn forwardRow(lid: u32, grid: FlatGrid, lanes: u32) {
  let row = flatGroup(grid);
  if (row >= p.rows) {
    return; // uniform: the whole workgroup leaves together
  }
  let base = row * p.width;
  let count = f32(p.width);
  let mean = rowSum(lid, laneSum(base, lid, lanes)) / count;
  let variance = rowSum(lid, laneCentredSquares(base, lid, lanes, mean)) / count;
  let rstd = inverseSqrt(variance + p.eps);
  laneWriteY(base, lid, lanes, paramBase(row), mean, rstd);
  if (lid == 0u) {
    meanOut[row] = mean;
    rstdOut[row] = rstd;
  }
}

fn backwardDxRow(lid: u32, grid: FlatGrid, lanes: u32) {
  let row = flatGroup(grid);
  if (row >= p.rows) {
    return;
  }
  let base = row * p.width;
  let g0 = paramBase(row);
  let mean = meanIn[row];
  let rstd = rstdIn[row];
  let sums = rowSum2(lid, laneDxTerms(base, lid, lanes, g0, mean, rstd)) / f32(p.width);
  laneWriteDx(base, lid, lanes, g0, mean, rstd, sums);
}
