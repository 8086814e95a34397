enable subgroups;

// layernorm_subgroup: the 'subgroup' variant of kernels/layernorm.wgsl (same math, same bindings
// and buffer layouts; see that file's header), its row sums by subgroupAdd instead of workgroup
// memory and barriers. A file of its own because `enable subgroups;` (which must come first in
// the module) fails to compile on a device without the `subgroups` feature.
//
// One workgroup of SG threads per row, SG (override) = the adapter's subgroupMinSize (at most
// 256): a workgroup no larger than the smallest subgroup is always exactly one subgroup, whatever
// subgroup size the driver picks, so subgroupAdd over the workgroup's active invocations is the
// row's sum. No workgroup memory, no barrier. Lane `lid` strides the row by SG.
//   forward_subgroup:       (x, y) workgroups (flatGrid), row = wid.x + wid.y * nwg.x. Bindings
//                           0-6 as layernorm.wgsl `forward`.
//   backward_dx_subgroup:   the same grid; bindings 0, 1, 2, 7-10 as `backward_dx`.
// dgain/dbias come from layernorm.wgsl's `backward_params_partial_row` and
// `backward_params_final` (column sums: no reduction across lanes to speed up).
// Rounding: each lane sums ceil(width / SG) terms in order, then subgroupAdd adds the SG lane
// sums in an order the driver chooses (at most SG - 1 more roundings per term), so a row sum has
// depth ceil(width / SG) + SG - 1 (src/ops/errorBounds.ts layerNormRowSumDepth). For one device
// the order is fixed: results repeat bit for bit.

struct Params {
  rows: u32,
  width: u32,
  rowBlocks: u32,
  eps: f32,
  dxBeta: f32,
  paramBeta: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
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
// Threads per workgroup: the adapter's smallest subgroup size (set by the wrapper).
override SG: u32 = 32u;

@compute @workgroup_size(SG, 1, 1)
fn forward_subgroup(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let row = flatIndex(0u, wid, nwg.x, 1u);
  if (row >= p.rows) {
    return; // uniform: the whole workgroup (one subgroup) leaves together
  }
  let n = p.width;
  let base = row * n;
  let count = f32(n);

  var s = 0.0;
  for (var j = lid; j < n; j += SG) {
    s += x[base + j];
  }
  let mean = subgroupAdd(s) / count;

  // Second pass over centred values: no cancellation when |mean| >> std.
  var q = 0.0;
  for (var j = lid; j < n; j += SG) {
    let d = x[base + j] - mean;
    q = fma(d, d, q);
  }
  let variance = subgroupAdd(q) / count;
  let rstd = inverseSqrt(variance + p.eps);

  for (var j = lid; j < n; j += SG) {
    var v = (x[base + j] - mean) * rstd * gain[j];
    if (HAS_BIAS) {
      v += bias[j];
    }
    y[base + j] = v;
  }
  if (lid == 0u) {
    meanOut[row] = mean;
    rstdOut[row] = rstd;
  }
}

@compute @workgroup_size(SG, 1, 1)
fn backward_dx_subgroup(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
) {
  let row = flatIndex(0u, wid, nwg.x, 1u);
  if (row >= p.rows) {
    return;
  }
  let n = p.width;
  let base = row * n;
  let mean = meanIn[row];
  let rstd = rstdIn[row];

  var acc = vec2<f32>(0.0, 0.0);
  for (var j = lid; j < n; j += SG) {
    let g = dy[base + j] * gain[j];
    let xhat = (x[base + j] - mean) * rstd;
    acc += vec2<f32>(g, g * xhat);
  }
  let sums = subgroupAdd(acc) / f32(n);

  for (var j = lid; j < n; j += SG) {
    let g = dy[base + j] * gain[j];
    let xhat = (x[base + j] - mean) * rstd;
    var v = rstd * (g - sums.x - xhat * sums.y);
    if (p.dxBeta != 0.0) {
      v += p.dxBeta * dx[base + j];
    }
    dx[base + j] = v;
  }
}
