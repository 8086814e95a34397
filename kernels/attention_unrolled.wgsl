// attention_unrolled: causal multi-head self-attention, forward and backward, with the head size
// D and the rows per invocation R fixed when the module is built, and every loop over D unrolled
// into vec4 registers. Same contract, bindings and layouts as kernels/attention.wgsl (read its
// header for the maths); src/ops/attention.ts runs it as the variant 'unrolled'.
//
// Template: this file is specialised by src/ops/wgslTemplate.ts before it is compiled. The lines
// `const D = ...;` and `const R = ...;` are rewritten to the problem's head size and rows per
// invocation, and the lines between `// @unroll a`, `// @unroll c` or `// @unroll a c` and
// `// @end` are repeated for a = 0 .. R - 1 (rows of the invocation) and c = 0 .. DV - 1 (vec4
// chunks of a head, DV = ceil(D / 4)), `$a` and `$c` replaced by the numbers (a outer). So every
// per-row vector is a handful of named vec4 values the compiler keeps in registers: on
// SwiftShader an array indexed in a loop lives in memory and each loop iteration costs more than
// the arithmetic it guards.
//
// Layout (f32, row-major; B = batch (x stacked runs), T = context, H = heads, D = head size):
//   qkv  [B, T, 3, H, D], o [B, T, H, D], lse [B, H, T], dqkv [B, T, 3, H, D], delta [B, H, T].
// Entry points and bindings (group 0), as in kernels/attention.wgsl:
//   forward_unrolled:      0 p uniform, 1 qkv read, 2 o read_write, 3 lse read_write.
//   backward_dq_unrolled:  0 p, 1 qkv, 4 oIn, 5 dout, 6 lseIn read; 7 dqkv, 8 deltaOut
//                          read_write. Writes dQ and Delta.
//   backward_dkv_unrolled: 0 p, 1 qkv, 5 dout, 6 lseIn, 9 deltaIn read; 7 dqkv read_write.
//                          Writes dK and dV; runs after backward_dq_unrolled (reads Delta).
//
// Dispatch: one invocation per block of R consecutive rows of one (b, h), flat index
// f = (b * H + h) * ceil(T / R) + block over B * H * ceil(T / R) invocations in workgroups of
// ROW_WG on a flat (x, y) grid (prelude's flatIndex). No barriers, no workgroup memory.
//   forward, backward_dq: the block's R query rows t0 .. t0 + R - 1 walk keys j = 0 .. t0 + R - 1
//     together (each key's K and V chunks loaded once for the R rows); row a skips keys j > t0 + a.
//   backward_dkv: the block's R key rows walk queries i = T - 1 down to the block's first key;
//     key a skips queries i < j0 + a.
// A skipped step leaves the row's sums untouched (select, not a multiply by 0, so a non-finite
// value in a later key cannot reach an earlier row). Rows past T (the last block when R does not
// divide T) compute on row T - 1 and are never stored.
//
// Summation order per row: dot products as four interleaved partial sums over the chunks, then
// (x + y) + (z + w); keys ascending (forward, dQ), queries descending (dK, dV), as in the 'row'
// variant. No atomics: results are deterministic.

// Params, bindings 0-9, NEG_BIG and rowIndex (kernels/shared/attention_io.wgsl):
// @use attention_io
// Head rows as vec4 chunks of D (kernels/shared/attention_chunks.wgsl):
// @use attention_chunks

// Head size and rows per invocation; rewritten by src/ops/wgslTemplate.ts.
const D = 16u;
const R = 2u;
override ROW_WG: u32 = 32u;

// The R rows of (b, h) that one invocation owns, and the strides every entry point walks by.
struct Block {
  b: u32,
  h: u32,
  // First row of the block, and the last row that exists (< T).
  t0: u32,
  last: u32,
  // False for the padding invocations of the last workgroup.
  valid: bool,
  // Elements of one slot's row (H * D), and between consecutive positions t (3 slots).
  hd: u32,
  stride: u32,
}

fn blockOf(lid: u32, grid: FlatGrid) -> Block {
  let f = flatItem(lid, grid, ROW_WG);
  let blocks = (p.T + R - 1u) / R;
  let bh = f / blocks;
  let t0 = (f % blocks) * R;
  let hd = p.H * D;
  let valid = f < (p.rows / p.T) * blocks;
  return Block(bh / p.H, bh % p.H, t0, min(t0 + R - 1u, p.T - 1u), valid, hd, 3u * hd);
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn forward_unrolled(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let blk = blockOf(lid, grid);
  if (!blk.valid) {
    return;
  }

  // @unroll a c
  let q$a_$c = ldQkv(qkvBase(blk.b, min(blk.t0 + $au, blk.last), 0u, blk.h), $cu) * p.scale;
  var acc$a_$c = vec4<f32>(0.0);
  // @end
  // @unroll a
  var m$a = NEG_BIG;
  var l$a = 0.0;
  // @end
  var kj = qkvBase(blk.b, 0u, 1u, blk.h);
  for (var j = 0u; j <= blk.last; j++) {
    // @unroll c
    let k$c = ldQkv(kj, $cu);
    let v$c = ldQkv(kj + blk.hd, $cu);
    // @end
    // @unroll a
    var s4_$a = vec4<f32>(0.0);
    // @end
    // @unroll a c
    s4_$a = fma(q$a_$c, k$c, s4_$a);
    // @end
    // Online softmax, one key at a time (see the 'row' variant in kernels/attention.wgsl).
    // @unroll a
    let live$a = j <= blk.t0 + $au;
    let s$a = select(NEG_BIG, hsum(s4_$a), live$a);
    let mNew$a = max(m$a, s$a);
    let rescale$a = exp(m$a - mNew$a);
    let p$a = exp(s$a - mNew$a);
    l$a = fma(l$a, rescale$a, p$a);
    m$a = mNew$a;
    // @end
    // @unroll a c
    acc$a_$c = select(acc$a_$c, fma(vec4<f32>(p$a), v$c, acc$a_$c * rescale$a), live$a);
    // @end
    kj += blk.stride;
  }
  // Key 0 is visible to every query, so l >= 1.
  let oi = oBase(blk.b, blk.t0, blk.h);
  // @unroll a
  if (blk.t0 + $au < p.T) {
    lse[rowIndex(blk.b, blk.h, blk.t0 + $au)] = m$a + log(l$a);
  }
  // @end
  // @unroll a c
  if (blk.t0 + $au < p.T) { stO(oi + $au * blk.hd, $cu, acc$a_$c * (1.0 / l$a)); }
  // @end
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn backward_dq_unrolled(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let blk = blockOf(lid, grid);
  if (!blk.valid) {
    return;
  }

  // @unroll a
  let row$a = min(blk.t0 + $au, blk.last);
  var delta4_$a = vec4<f32>(0.0);
  // @end
  // @unroll a c
  let q$a_$c = ldQkv(qkvBase(blk.b, row$a, 0u, blk.h), $cu) * p.scale;
  let g$a_$c = ldDout(oBase(blk.b, row$a, blk.h), $cu);
  delta4_$a = fma(g$a_$c, ldO(oBase(blk.b, row$a, blk.h), $cu), delta4_$a);
  var dq$a_$c = vec4<f32>(0.0);
  // @end
  // @unroll a
  let delta$a = hsum(delta4_$a);
  let lse$a = lseIn[rowIndex(blk.b, blk.h, row$a)];
  if (blk.t0 + $au < p.T) {
    deltaOut[rowIndex(blk.b, blk.h, row$a)] = delta$a;
  }
  // @end

  var kj = qkvBase(blk.b, 0u, 1u, blk.h);
  for (var j = 0u; j <= blk.last; j++) {
    // @unroll c
    let k$c = ldQkv(kj, $cu);
    let v$c = ldQkv(kj + blk.hd, $cu);
    // @end
    // @unroll a
    var s4_$a = vec4<f32>(0.0);
    var dp4_$a = vec4<f32>(0.0);
    // @end
    // @unroll a c
    s4_$a = fma(q$a_$c, k$c, s4_$a);
    dp4_$a = fma(g$a_$c, v$c, dp4_$a);
    // @end
    // @unroll a
    let live$a = j <= blk.t0 + $au;
    let ds$a = exp(hsum(s4_$a) - lse$a) * (hsum(dp4_$a) - delta$a);
    // @end
    // @unroll a c
    dq$a_$c = select(dq$a_$c, fma(vec4<f32>(ds$a), k$c, dq$a_$c), live$a);
    // @end
    kj += blk.stride;
  }
  // @unroll a c
  if (blk.t0 + $au < p.T) { stDqkv(qkvBase(blk.b, blk.t0 + $au, 0u, blk.h), $cu, dq$a_$c * p.scale); }
  // @end
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn backward_dkv_unrolled(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let blk = blockOf(lid, grid);
  if (!blk.valid) {
    return;
  }

  // @unroll a c
  let k$a_$c = ldQkv(qkvBase(blk.b, min(blk.t0 + $au, blk.last), 1u, blk.h), $cu) * p.scale;
  let v$a_$c = ldQkv(qkvBase(blk.b, min(blk.t0 + $au, blk.last), 2u, blk.h), $cu);
  var dk$a_$c = vec4<f32>(0.0);
  var dv$a_$c = vec4<f32>(0.0);
  // @end
  // Queries i = T - 1 down to the first key t0 see some key of the block.
  var qi = qkvBase(blk.b, p.T - 1u, 0u, blk.h);
  var oi = oBase(blk.b, p.T - 1u, blk.h);
  var r = rowIndex(blk.b, blk.h, p.T - 1u);
  for (var i = p.T - 1u; i + 1u > blk.t0; i--) {
    // @unroll c
    let q$c = ldQkv(qi, $cu);
    let g$c = ldDout(oi, $cu);
    // @end
    let lseI = lseIn[r];
    let deltaI = deltaIn[r];
    // @unroll a
    var s4_$a = vec4<f32>(0.0);
    var dp4_$a = vec4<f32>(0.0);
    // @end
    // @unroll a c
    s4_$a = fma(q$c, k$a_$c, s4_$a);
    dp4_$a = fma(g$c, v$a_$c, dp4_$a);
    // @end
    // @unroll a
    let live$a = i >= blk.t0 + $au;
    let p$a = exp(hsum(s4_$a) - lseI);
    let ds$a = p$a * (hsum(dp4_$a) - deltaI);
    // @end
    // @unroll a c
    dv$a_$c = select(dv$a_$c, fma(vec4<f32>(p$a), g$c, dv$a_$c), live$a);
    dk$a_$c = select(dk$a_$c, fma(vec4<f32>(ds$a), q$c, dk$a_$c), live$a);
    // @end
    qi -= blk.stride;
    oi -= blk.hd;
    r -= 1u;
  }
  // @unroll a c
  if (blk.t0 + $au < p.T) { stDqkv(qkvBase(blk.b, blk.t0 + $au, 1u, blk.h), $cu, dk$a_$c * p.scale); }
  if (blk.t0 + $au < p.T) { stDqkv(qkvBase(blk.b, blk.t0 + $au, 2u, blk.h), $cu, dv$a_$c); }
  // @end
}
