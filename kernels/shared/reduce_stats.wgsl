// Shared by kernels/reduce.wgsl and kernels/reduce_subgroup.wgsl (`// @use reduce_stats`): their
// one uniform Params, their bindings (see the header of reduce.wgsl), how a thread takes in an
// element or a chunk's partial statistics, and the last step of a group's statistics.

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

// Element v of x into a thread's max |x| bits and flag; true when v is finite, so that its square
// belongs in the sum (non-finite values are left out of it).
fn countElement(v: f32, maxBits: ptr<function, u32>, bad: ptr<function, u32>) -> bool {
  let a = bitcast<u32>(v) & ABS_MASK;
  *maxBits = max(*maxBits, a);
  if (nonFiniteBits(a)) {
    *bad = 1u;
    return false;
  }
  return true;
}

// A chunk's partial statistics q into a thread's max bits and flag; its sum of squares returned.
fn mergePartial(q: vec4<u32>, maxBits: ptr<function, u32>, bad: ptr<function, u32>) -> f32 {
  *maxBits = max(*maxBits, q.y);
  *bad = *bad | q.z;
  return bitcast<f32>(q.x);
}

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
