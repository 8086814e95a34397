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
// Stacked runs as in layernorm.wgsl (row r uses run floor(r / rowsPerRun)'s gain and bias).
// dgain/dbias come from layernorm.wgsl's `backward_params_partial_row` and
// `backward_params_final` (column sums: no reduction across lanes to speed up).
// Rounding: each lane sums ceil(width / SG) terms in order, then subgroupAdd adds the SG lane
// sums in an order the driver chooses (at most SG - 1 more roundings per term), so a row sum has
// depth ceil(width / SG) + SG - 1 (src/ops/errorBounds.ts layerNormRowSumDepth). For one device
// the order is fixed: results repeat bit for bit.

// Params, bindings 0 and 2-10, HAS_BIAS and the per-element steps (kernels/shared/layernorm_rows.wgsl):
// @use layernorm_rows
// x (binding 1), as in layernorm.wgsl (layernorm_residual_input for the fused residual):
// @use layernorm_input
// Threads per workgroup: the adapter's smallest subgroup size (set by the wrapper).
override SG: u32 = 32u;

fn rowSum(lid: u32, v: f32) -> f32 {
  return subgroupAdd(v);
}

fn rowSum2(lid: u32, v: vec2<f32>) -> vec2<f32> {
  return subgroupAdd(v);
}

@compute @workgroup_size(SG, 1, 1)
fn forward_subgroup(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  forwardRow(lid, grid, SG);
}

@compute @workgroup_size(SG, 1, 1)
fn backward_dx_subgroup(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  backwardDxRow(lid, grid, SG);
}
