// newton_schulz: the two elementwise passes of the Newton-Schulz orthogonalization
// (src/ops/newtonSchulz.ts); its matrix products run through the matmul kernels.
//
// `normalize`: X0 = G / (sqrt(sumsq) + 1e-7) per matrix, where sumsq is the matrix's sum of
// squares from reduce.wgsl `group_stats` (one group per matrix) earlier in the same pass.
//   0 p:      uniform Params
//   1 src:    storage<read>        [*] f32, the matrices G.
//   2 dst:    storage<read_write>  [*] f32, X0 in the same layout.
//   3 chunks: storage<read>        [numChunks] vec4<u32> (start, end, matrix, _): reduce.wgsl's
//                                  chunk table over the same matrices.
//   4 stats:  storage<read>        [matrices] vec4<u32>: .x = sum of squares (f32 bits).
// Dispatch: numChunks workgroups of 256 laid out by flatGrid.
//
// `poly`: P = a I + b A for a batch of side x side matrices A (the Gram matrices XXᵀ or XᵀX); the
// matmul that follows adds c A·A into P (β = 1), so that X' = P X = a X + (b A + c A²) X.
//   0 p:      uniform Params
//   5 gram:   storage<read>        [count] f32, batch x side x side.
//   6 poly:   storage<read_write>  [count] f32, same layout.
// Dispatch: ceil(count / 256) workgroups of 256 laid out by flatGrid.

struct Params {
  numChunks: u32,
  count: u32,
  side: u32,
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> chunks: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> stats: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read> gram: array<f32>;
@group(0) @binding(6) var<storage, read_write> poly: array<f32>;

const WG = 256u;
const NORM_EPS = 1e-7;

@compute @workgroup_size(256, 1, 1)
fn normalize(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let c = flatGroup(grid);
  if (c >= p.numChunks) {
    return;
  }
  let ch = chunks[c];
  let denom = sqrt(bitcast<f32>(stats[ch.z].x)) + NORM_EPS;
  for (var i = ch.x + lid; i < ch.y; i += WG) {
    dst[i] = src[i] / denom;
  }
}

@compute @workgroup_size(256, 1, 1)
fn poly_init(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.count) {
    return;
  }
  let e = i % (p.side * p.side);
  var v = p.b * gram[i];
  if (e / p.side == e % p.side) {
    v = v + p.a;
  }
  poly[i] = v;
}
