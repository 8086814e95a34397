// attention_subgroup: causal multi-head self-attention, forward and backward, with subgroup
// reductions: the lanes of a subgroup share one row, each taking every `size`-th key (forward,
// dQ) or query (dK, dV) of it, and their partial sums are combined with subgroupMax and
// subgroupAdd (the online-softmax partials rescaled to the subgroup's max first). Needs the
// adapter feature `subgroups`. Same contract, bindings and layouts as kernels/attention.wgsl
// (read its header for the maths); src/ops/attention.ts runs it as the variant 'subgroup'.
//
// Template, as kernels/attention_unrolled.wgsl: `const D = ...;` is rewritten to the head size
// and the lines between `// @unroll c` and `// @end` are repeated for the DV = ceil(D / 4) vec4
// chunks of a head (`$c` replaced by the chunk's number), so a head lives in registers.
//
// Entry points and bindings (group 0), as in kernels/attention.wgsl:
//   forward_subgroup:      0 p uniform, 1 qkv read, 2 o read_write, 3 lse read_write.
//   backward_dq_subgroup:  0 p, 1 qkv, 4 oIn, 5 dout, 6 lseIn read; 7 dqkv, 8 deltaOut
//                          read_write. Writes dQ and Delta.
//   backward_dkv_subgroup: 0 p, 1 qkv, 5 dout, 6 lseIn, 9 deltaIn read; 7 dqkv read_write.
//                          Writes dK and dV; runs after backward_dq_subgroup (reads Delta).
//
// Dispatch: one workgroup of WG invocations per block of WG rows of one (b, h), flat workgroup
// index (b * H + h) * ceil(T / WG) + block on a flat (x, y) grid; the workgroup's subgroups take
// the block's rows in turn. No barriers, no workgroup memory, no atomics.
//
// Subgroup layout: WGSL fixes neither the subgroup size nor which invocations share a
// subgroup. This kernel numbers its subgroups as aligned runs of local_invocation_index (the
// layout of every implementation we know) and checks that at run time: a subgroup that finds
// otherwise writes NaN into its block's first log-sum-exp and stops, so the self-test fails and
// the tuner never picks the variant on that adapter.
//
// Summation order: each lane sums its keys (queries) in ascending order, dot products as four
// interleaved partial sums over the chunks then (x + y) + (z + w); lanes combine through the
// subgroup reductions, whose order the implementation fixes (deterministic per adapter).

enable subgroups;
diagnostic(off, subgroup_uniformity);

// Params, bindings 0-9, NEG_BIG and rowIndex (kernels/shared/attention_io.wgsl):
// @use attention_io
// Head rows as vec4 chunks of D (kernels/shared/attention_chunks.wgsl):
// @use attention_chunks

// Head size; rewritten by src/ops/wgslTemplate.ts.
const D = 16u;
// Invocations per workgroup, and rows (query or key) per workgroup.
const WG = 64u;

// The subgroup's place in the workgroup; `ok` false where subgroups are not aligned runs.
struct Lanes {
  lane: u32,
  size: u32,
  // This subgroup's index among the workgroup's `count` subgroups.
  sub: u32,
  count: u32,
  ok: bool,
}

fn lanesOf(lid: u32, lane: u32, size: u32) -> Lanes {
  let first = subgroupMin(lid);
  let aligned = lid == first + lane && first % size == 0u && WG % size == 0u;
  return Lanes(lane, size, first / size, WG / size, subgroupAll(aligned));
}

// The (b, h) and first row of workgroup `g`; valid false for the padding workgroups of the grid.
struct Block {
  b: u32,
  h: u32,
  r0: u32,
  end: u32,
  valid: bool,
}

fn blockOf(wid: vec3<u32>, nwg: vec3<u32>) -> Block {
  let g = wid.x + wid.y * nwg.x;
  let blocks = (p.T + WG - 1u) / WG;
  let bh = g / blocks;
  let r0 = (g % blocks) * WG;
  return Block(bh / p.H, bh % p.H, r0, min(r0 + WG, p.T), bh < p.rows / p.T);
}

// A quiet NaN the compiler cannot fold (a constant NaN is a shader-creation error).
fn nanFrom(lid: u32) -> f32 {
  return bitcast<f32>(0x7fc00000u | (lid & 0u));
}

@compute @workgroup_size(WG, 1, 1)
fn forward_subgroup(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
) {
  let blk = blockOf(wid, nwg);
  if (!blk.valid) {
    return;
  }
  let b = blk.b;
  let h = blk.h;
  let sg = lanesOf(lid, lane, size);
  if (!sg.ok) {
    lse[rowIndex(b, h, blk.r0)] = nanFrom(lid);
    return;
  }
  let hd = p.H * D;
  let stride = 3u * hd;
  for (var i = blk.r0 + sg.sub; i < blk.end; i += sg.count) {
    // @unroll c
    let q$c = ldQkv(qkvBase(b, i, 0u, h), $cu) * p.scale;
    var acc$c = vec4<f32>(0.0);
    // @end
    var m = NEG_BIG;
    var l = 0.0;
    var kj = qkvBase(b, lane, 1u, h);
    for (var j = lane; j <= i; j += size) {
      var s4 = vec4<f32>(0.0);
      // @unroll c
      s4 = fma(q$c, ldQkv(kj, $cu), s4);
      // @end
      let s = hsum(s4);
      let mNew = max(m, s);
      let rescale = exp(m - mNew);
      let pj = exp(s - mNew);
      l = fma(l, rescale, pj);
      // @unroll c
      acc$c = fma(vec4<f32>(pj), ldQkv(kj + hd, $cu), acc$c * rescale);
      // @end
      m = mNew;
      kj += size * stride;
    }
    // Lane 0 always has key 0, so the max is a logit; a lane without keys gets weight 0.
    let mAll = subgroupMax(m);
    let w = exp(m - mAll);
    let lAll = subgroupAdd(l * w);
    // @unroll c
    let sum$c = subgroupAdd(acc$c * w);
    // @end
    if (lane == 0u) {
      lse[rowIndex(b, h, i)] = mAll + log(lAll);
      let oi = oBase(b, i, h);
      // @unroll c
      stO(oi, $cu, sum$c * (1.0 / lAll));
      // @end
    }
  }
}

@compute @workgroup_size(WG, 1, 1)
fn backward_dq_subgroup(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
) {
  let blk = blockOf(wid, nwg);
  if (!blk.valid) {
    return;
  }
  let b = blk.b;
  let h = blk.h;
  let sg = lanesOf(lid, lane, size);
  if (!sg.ok) {
    deltaOut[rowIndex(b, h, blk.r0)] = nanFrom(lid);
    dqkv[qkvBase(b, blk.r0, 0u, h)] = nanFrom(lid);
    return;
  }
  let hd = p.H * D;
  let stride = 3u * hd;
  for (var i = blk.r0 + sg.sub; i < blk.end; i += sg.count) {
    let qi = qkvBase(b, i, 0u, h);
    let oi = oBase(b, i, h);
    // Every lane computes Delta_i (the same sum, so the same value).
    var delta4 = vec4<f32>(0.0);
    // @unroll c
    let q$c = ldQkv(qi, $cu) * p.scale;
    let g$c = ldDout(oi, $cu);
    delta4 = fma(g$c, ldO(oi, $cu), delta4);
    var dq$c = vec4<f32>(0.0);
    // @end
    let delta = hsum(delta4);
    let r = rowIndex(b, h, i);
    let lseI = lseIn[r];
    var kj = qkvBase(b, lane, 1u, h);
    for (var j = lane; j <= i; j += size) {
      var s4 = vec4<f32>(0.0);
      var dp4 = vec4<f32>(0.0);
      // @unroll c
      let k$c = ldQkv(kj, $cu);
      s4 = fma(q$c, k$c, s4);
      dp4 = fma(g$c, ldQkv(kj + hd, $cu), dp4);
      // @end
      let ds = exp(hsum(s4) - lseI) * (hsum(dp4) - delta);
      // @unroll c
      dq$c = fma(vec4<f32>(ds), k$c, dq$c);
      // @end
      kj += size * stride;
    }
    // @unroll c
    let sum$c = subgroupAdd(dq$c);
    // @end
    if (lane == 0u) {
      deltaOut[r] = delta;
      // @unroll c
      stDqkv(qi, $cu, sum$c * p.scale);
      // @end
    }
  }
}

@compute @workgroup_size(WG, 1, 1)
fn backward_dkv_subgroup(
  @builtin(local_invocation_index) lid: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(subgroup_invocation_id) lane: u32,
  @builtin(subgroup_size) size: u32,
) {
  let blk = blockOf(wid, nwg);
  if (!blk.valid) {
    return;
  }
  let b = blk.b;
  let h = blk.h;
  let sg = lanesOf(lid, lane, size);
  if (!sg.ok) {
    dqkv[qkvBase(b, blk.r0, 1u, h)] = nanFrom(lid);
    return;
  }
  let hd = p.H * D;
  let stride = 3u * hd;
  for (var j = blk.r0 + sg.sub; j < blk.end; j += sg.count) {
    let kj = qkvBase(b, j, 1u, h);
    // @unroll c
    let k$c = ldQkv(kj, $cu) * p.scale;
    let v$c = ldQkv(kj + hd, $cu);
    var dk$c = vec4<f32>(0.0);
    var dv$c = vec4<f32>(0.0);
    // @end
    // Queries i >= j see key j; this lane takes i = j + lane, j + lane + size, ...
    var qi = qkvBase(b, j + lane, 0u, h);
    var oi = oBase(b, j + lane, h);
    var r = rowIndex(b, h, j + lane);
    for (var i = j + lane; i < p.T; i += size) {
      var s4 = vec4<f32>(0.0);
      var dp4 = vec4<f32>(0.0);
      // @unroll c
      let q$c = ldQkv(qi, $cu);
      let g$c = ldDout(oi, $cu);
      s4 = fma(q$c, k$c, s4);
      dp4 = fma(g$c, v$c, dp4);
      // @end
      let pij = exp(hsum(s4) - lseIn[r]);
      let ds = pij * (hsum(dp4) - deltaIn[r]);
      // @unroll c
      dv$c = fma(vec4<f32>(pij), g$c, dv$c);
      dk$c = fma(vec4<f32>(ds), q$c, dk$c);
      // @end
      qi += size * stride;
      oi += size * hd;
      r += size;
    }
    // @unroll c
    let sumK$c = subgroupAdd(dk$c);
    let sumV$c = subgroupAdd(dv$c);
    // @end
    if (lane == 0u) {
      // @unroll c
      stDqkv(kj, $cu, sumK$c * p.scale);
      stDqkv(kj + hd, $cu, sumV$c);
      // @end
    }
  }
}
