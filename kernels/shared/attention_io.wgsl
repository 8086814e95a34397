// Shared by the attention kernels (kernels/attention.wgsl, attention_unrolled.wgsl,
// attention_subgroup.wgsl; `// @use attention_io`): their one uniform Params and their bindings
// (see the header of attention.wgsl).

struct Params {
  T: u32,
  H: u32,
  // The head size D (the templates also have it as a constant, one module per head size).
  headSize: u32,
  // Rows per staged tile ('tiled'): min(64, 2048 / D), so that tile * D <= TILE_FLOATS.
  tile: u32,
  scale: f32,
  // B * H * T: invocations of the 'row' entry points.
  rows: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> o: array<f32>;
@group(0) @binding(3) var<storage, read_write> lse: array<f32>;
@group(0) @binding(4) var<storage, read> oIn: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read> lseIn: array<f32>;
@group(0) @binding(7) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(8) var<storage, read_write> deltaOut: array<f32>;
@group(0) @binding(9) var<storage, read> deltaIn: array<f32>;

// Below any logit; finite so that exp(NEG_BIG - m) is 0 rather than NaN.
const NEG_BIG = -3.0e38;

// Index of lse[b, h, t] (and of delta's).
fn rowIndex(b: u32, h: u32, t: u32) -> u32 {
  return (b * p.H + h) * p.T + t;
}
