// GELU, tanh form, elementwise over a flat array of n values, and its backward:
// y = gelu(x), dx = dy * gelu'(x). The math, and why it is written so (no cancellation, no
// overflow, the same result on every backend), is kernels/shared/gelu_math.wgsl, shared with
// the matmul epilogue (kernels/shared/matmul_io.wgsl).
//
// Bindings (group 0):
//   0 p:  uniform Params { n }                 all
//   1 x:  storage<read>        [n]             forward, backward
//   2 y:  storage<read_write>  [n]             forward
//   3 dy: storage<read>        [n]             backward
//   4 dx: storage<read_write>  [n]             backward
// Dispatch: ceil(n / 256) workgroups of 256, split over (x, y) past the per-dimension limit;
// element i = (wid.x + wid.y * nwg.x) * 256 + lid.x, skipped when i >= n.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

const WG = 256u;

// gelu, geluSlope (kernels/shared/gelu_math.wgsl):
// @use gelu_math

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.n) {
    return;
  }
  y[i] = gelu(x[i]);
}

@compute @workgroup_size(256, 1, 1)
fn backward(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.n) {
    return;
  }
  dx[i] = dy[i] * geluSlope(x[i]);
}
