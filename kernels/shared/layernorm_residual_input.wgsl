// The fused residual's input, in place of kernels/shared/layernorm_input.wgsl (the modules
// `layernorm_residual` and `layernorm_subgroup_residual` of src/ops/layernorm.ts): a row's first
// pass computes x = resA + residualScale * resB and writes it to xMid; the later passes read back
// the elements the same invocation wrote. Binding 1 is not used.
@group(0) @binding(15) var<storage, read> resA: array<f32>;
@group(0) @binding(16) var<storage, read> resB: array<f32>;
@group(0) @binding(17) var<storage, read_write> xMid: array<f32>;

fn firstX(i: u32) -> f32 {
  let v = resA[i] + p.residualScale * resB[i];
  xMid[i] = v;
  return v;
}

fn loadX(i: u32) -> f32 {
  return xMid[i];
}
