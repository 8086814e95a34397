// The layernorm's input x [rows, width], read (`// @use layernorm_input` in kernels/layernorm.wgsl
// and kernels/layernorm_subgroup.wgsl; src/ops/layernorm.ts swaps in layernorm_residual_input for
// the fused residual).
@group(0) @binding(1) var<storage, read> x: array<f32>;

// x at element i in a row's first pass.
fn firstX(i: u32) -> f32 {
  return x[i];
}

// x at element i in the later passes.
fn loadX(i: u32) -> f32 {
  return x[i];
}
