// Shared by kernels/reduce.wgsl and kernels/reduce_subgroup.wgsl (`// @use reduce_stats`): their
// one uniform Params, their bindings (see the header of reduce.wgsl) and the last step of a
// group's statistics.

struct Params {
  numChunks: u32,
  groups: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> chunks: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> partials: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> groupRanges: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read_write> stats: array<vec4<u32>>;

const ABS_MASK = 0x7fffffffu;

// Group g's sum of squares, max |x| bits and flag; the flag is also raised when the sum itself is
// not finite, and counts the flagged passes.
fn writeGroupStats(g: u32, sum: f32, maxBits: u32, bad: u32) {
  let sumBits = bitcast<u32>(sum);
  var flag = bad;
  if (nonFiniteBits(sumBits)) {
    flag = 1u;
  }
  let count = stats[g].w + flag;
  stats[g] = vec4<u32>(sumBits, maxBits, flag, count);
}
