// Helpers shared by every kernel. The kernel loader (src/gpu/pipelines.ts) appends this file to
// each kernel's source; WGSL module-scope declarations may come in any order, and appending (not
// prepending) keeps the line numbers of compile errors those of the kernel file. The other files
// of kernels/shared are appended to the kernels that name them in a line `// @use NAME`.
//
// Naming: functions and variables camelCase, constants UPPER_SNAKE, entry points snake_case.

// Exponent bits of a float32: all ones for +-Inf and NaN.
const EXP_MASK = 0x7f800000u;

// Inf or NaN, from the float's BITS: compilers may assume floats are finite and fold
// `x != x` or `abs(x) > MAX` away, never a bit test.
fn nonFiniteBits(bits: u32) -> bool {
  return (bits & EXP_MASK) == EXP_MASK;
}

fn nonFinite(x: f32) -> bool {
  return nonFiniteBits(bitcast<u32>(x));
}

// Flat index of an invocation in a dispatch of 1D workgroups of `groupSize` threads laid out as a
// 2D grid `gridWidth` workgroups wide (the grid wraps to y past the per-dimension limit).
fn flatIndex(lid: u32, wid: vec3<u32>, gridWidth: u32, groupSize: u32) -> u32 {
  return (wid.x + wid.y * gridWidth) * groupSize + lid;
}

// Where a workgroup of a flatGrid dispatch lies, as one entry-point parameter:
// `fn main(@builtin(local_invocation_index) lid: u32, grid: FlatGrid)`. Only workgroup-uniform
// builtins: a value computed from it stays uniform, so barriers and subgroup operations may follow
// a branch on it.
struct FlatGrid {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
}

// The flat index of invocation `lid` in workgroups of `groupSize` threads.
fn flatItem(lid: u32, grid: FlatGrid, groupSize: u32) -> u32 {
  return flatIndex(lid, grid.wid, grid.nwg.x, groupSize);
}

// The flat index of the workgroup (one item per workgroup: a row, a chunk).
fn flatGroup(grid: FlatGrid) -> u32 {
  return flatIndex(0u, grid.wid, grid.nwg.x, 1u);
}
