// attention: causal multi-head self-attention, forward (online softmax) and backward.
//
//   S = scale * Q K^T (keys j <= query i only), P = softmax_rows(S), O = P V,
//   LSE_i = log sum_j exp(S_ij).  Backward, with Delta_i = dO_i . O_i:
//   dV = P^T dO,  dP = dO V^T,  dS = P * (dP - Delta),  dQ = scale dS K,  dK = scale dS^T Q.
//
// Layout (all f32, row-major; B = batch (x stacked runs), T = context, H = heads, D = head size):
//   qkv  [B, T, 3, H, D]  the output of one fused QKV matmul [B*T, 3*H*D]: slot 0 = Q, 1 = K, 2 = V.
//   o    [B, T, H, D]     ready for the output-projection matmul [B*T, H*D].
//   lse  [B, H, T]        per-row log-sum-exp of the scaled logits (natural log).
//   dqkv [B, T, 3, H, D]  gradient of qkv; every element is written (overwritten, not accumulated).
//   delta [B, H, T]       scratch: Delta_i, written by backward_dq*, read by backward_dkv*.
//
// Entry points and bindings (group 0; each entry point uses only the bindings listed for it):
//   forward, forward_row:            0 p uniform, 1 qkv read, 2 o read_write, 3 lse read_write.
//   backward_dq, backward_dq_row:    0 p, 1 qkv read, 4 oIn read, 5 dout read, 6 lseIn read,
//                                    7 dqkv read_write, 8 deltaOut read_write.
//                                    Writes dQ and Delta.
//   backward_dkv, backward_dkv_row:  0 p, 1 qkv read, 5 dout read, 6 lseIn read,
//                                    7 dqkv read_write, 9 deltaIn read. Writes dK and dV; must
//                                    run after backward_dq* (it reads Delta).
//
// Private arrays hold one row's length-D vectors and are sized MAX_D (>= D). WGSL allows no
// override-sized private arrays, so src/ops/attention.ts specialises this source by rewriting the
// `const MAX_D` line below (one module per value): the 'row' entry points get D rounded up to a
// power of two (at least 8); the 'tiled' ones keep MAX_D = 128.
//
// Variant 'tiled' (forward, backward_dq, backward_dkv). Dispatch (ceil(T / 64), H, B), workgroup 64.
// One thread owns one row: a query row (forward, backward_dq) or a key row (backward_dkv), with
// its length-D vectors in private arrays. The workgroup stages the other side in tiles of
// p.tile rows (K and V, or Q and dO) through workgroup memory, two barriers per tile. Causal
// blocks are skipped: a query block reads keys < its end, a key block reads queries >= its start.
//
// Variant 'row' (forward_row, backward_dq_row, backward_dkv_row): barrier-free, no workgroup
// memory, for CPU adapters (SwiftShader, where a barrier suspends every subgroup of the
// workgroup and idle lanes still cost). One invocation per (b, h, row), flat index
// t = (wid.x + wid.y * nwg.x) * ROW_WG + lid = (b * H + h) * T + row, over p.rows = B * H * T
// invocations in ceil(p.rows / ROW_WG) workgroups of ROW_WG on a flat (x, y) grid, so no lane
// idles however small T is. The other side's rows are read straight from global memory.
//   forward_row:      query i visits keys j = 0 .. i in order, one online-softmax step per key.
//   backward_dq_row:  query i: Delta_i, then dQ_i summed over keys j = 0 .. i in order.
//   backward_dkv_row: key j: dK_j and dV_j summed over queries i = T - 1 down to j in order (the
//                     lanes of a subgroup then read the same query row at each step).
//
// The backward never uses atomics: dQ is summed by its query's thread, dK and dV by their key's
// thread, in a fixed order, so results are deterministic.

// Params, bindings 0-9, NEG_BIG and rowIndex (kernels/shared/attention_io.wgsl):
// @use attention_io

const WG = 64u;
// Largest head size this module supports; rewritten per bucket by src/ops/attention.ts.
const MAX_D = 128u;
const MAX_TILE = 64u;
const TILE_FLOATS = 2048u;
// Invocations per workgroup of the 'row' entry points.
override ROW_WG: u32 = 32u;

// K (forward, backward_dq) or Q (backward_dkv) rows, [tile][D].
var<workgroup> tileA: array<f32, TILE_FLOATS>;
// V (forward, backward_dq) or dO (backward_dkv) rows, [tile][D].
var<workgroup> tileB: array<f32, TILE_FLOATS>;

// Index of qkv[b, t, slot, h, 0] (and of dqkv's).
fn qkvBase(b: u32, t: u32, slot: u32, h: u32) -> u32 {
  return (((b * p.T + t) * 3u + slot) * p.H + h) * p.headSize;
}

// Index of o[b, t, h, 0] (and of dout's).
fn oBase(b: u32, t: u32, h: u32) -> u32 {
  return ((b * p.T + t) * p.H + h) * p.headSize;
}


// Stages `n` rows starting at row t0 of slots slotA, slotA + 1 of qkv into tileA, tileB.
fn stageQkv(b: u32, h: u32, t0: u32, n: u32, slotA: u32, tid: u32) {
  let D = p.headSize;
  let hd = p.H * D;
  for (var e = tid; e < n * D; e += WG) {
    let r = e / D;
    let i = qkvBase(b, t0 + r, slotA, h) + e % D;
    tileA[e] = qkv[i];
    tileB[e] = qkv[i + hd];
  }
}

@compute @workgroup_size(64, 1, 1)
fn forward(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let T = p.T;
  let D = p.headSize;
  let b = wid.z;
  let h = wid.y;
  let q0 = wid.x * WG;
  let i = q0 + tid;
  let inRange = i < T;

  var q: array<f32, MAX_D>;
  var acc: array<f32, MAX_D>;
  var s: array<f32, MAX_TILE>;
  if (inRange) {
    let qi = qkvBase(b, i, 0u, h);
    for (var d = 0u; d < D; d++) {
      q[d] = qkv[qi + d] * p.scale;
      acc[d] = 0.0;
    }
  }
  var m = NEG_BIG;
  var l = 0.0;

  let kEnd = min(q0 + WG, T);
  for (var k0 = 0u; k0 < kEnd; k0 += p.tile) {
    let n = min(p.tile, kEnd - k0);
    stageQkv(b, h, k0, n, 1u, tid);
    workgroupBarrier();
    if (inRange && k0 <= i) {
      // Keys k0 .. k0 + cnt - 1 are visible to query i.
      let cnt = min(n, i - k0 + 1u);
      var mt = m;
      for (var j = 0u; j < cnt; j++) {
        var dot = 0.0;
        for (var d = 0u; d < D; d++) {
          dot = fma(q[d], tileA[j * D + d], dot);
        }
        s[j] = dot;
        mt = max(mt, dot);
      }
      if (mt > m) {
        let c = exp(m - mt);
        l *= c;
        for (var d = 0u; d < D; d++) {
          acc[d] *= c;
        }
        m = mt;
      }
      for (var j = 0u; j < cnt; j++) {
        let pj = exp(s[j] - m);
        l += pj;
        for (var d = 0u; d < D; d++) {
          acc[d] = fma(pj, tileB[j * D + d], acc[d]);
        }
      }
    }
    workgroupBarrier();
  }

  if (inRange) {
    // Key 0 is visible to every query, so l >= 1.
    let inv = 1.0 / l;
    let oi = oBase(b, i, h);
    for (var d = 0u; d < D; d++) {
      o[oi + d] = acc[d] * inv;
    }
    lse[rowIndex(b, h, i)] = m + log(l);
  }
}

@compute @workgroup_size(64, 1, 1)
fn backward_dq(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let T = p.T;
  let D = p.headSize;
  let b = wid.z;
  let h = wid.y;
  let q0 = wid.x * WG;
  let i = q0 + tid;
  let inRange = i < T;

  var q: array<f32, MAX_D>;
  var g: array<f32, MAX_D>; // dO_i
  var dq: array<f32, MAX_D>;
  var delta = 0.0;
  var L = 0.0;
  if (inRange) {
    let qi = qkvBase(b, i, 0u, h);
    let oi = oBase(b, i, h);
    for (var d = 0u; d < D; d++) {
      q[d] = qkv[qi + d] * p.scale;
      g[d] = dout[oi + d];
      delta = fma(g[d], oIn[oi + d], delta);
      dq[d] = 0.0;
    }
    let r = rowIndex(b, h, i);
    deltaOut[r] = delta;
    L = lseIn[r];
  }

  let kEnd = min(q0 + WG, T);
  for (var k0 = 0u; k0 < kEnd; k0 += p.tile) {
    let n = min(p.tile, kEnd - k0);
    stageQkv(b, h, k0, n, 1u, tid);
    workgroupBarrier();
    if (inRange && k0 <= i) {
      let cnt = min(n, i - k0 + 1u);
      for (var j = 0u; j < cnt; j++) {
        var sj = 0.0;
        var dp = 0.0;
        for (var d = 0u; d < D; d++) {
          sj = fma(q[d], tileA[j * D + d], sj);
          dp = fma(g[d], tileB[j * D + d], dp);
        }
        let ds = exp(sj - L) * (dp - delta);
        for (var d = 0u; d < D; d++) {
          dq[d] = fma(ds, tileA[j * D + d], dq[d]);
        }
      }
    }
    workgroupBarrier();
  }

  if (inRange) {
    let qi = qkvBase(b, i, 0u, h);
    for (var d = 0u; d < D; d++) {
      dqkv[qi + d] = dq[d] * p.scale;
    }
  }
}

@compute @workgroup_size(64, 1, 1)
fn backward_dkv(@builtin(local_invocation_index) tid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let T = p.T;
  let D = p.headSize;
  let b = wid.z;
  let h = wid.y;
  let j0 = wid.x * WG;
  let j = j0 + tid;
  let inRange = j < T;

  var k: array<f32, MAX_D>;
  var v: array<f32, MAX_D>;
  var dk: array<f32, MAX_D>;
  var dv: array<f32, MAX_D>;
  if (inRange) {
    let kj = qkvBase(b, j, 1u, h);
    let vj = qkvBase(b, j, 2u, h);
    for (var d = 0u; d < D; d++) {
      k[d] = qkv[kj + d] * p.scale;
      v[d] = qkv[vj + d];
      dk[d] = 0.0;
      dv[d] = 0.0;
    }
  }

  // Queries i >= j0 see some key of this block; stage Q into tileA and dO into tileB.
  for (var i0 = j0; i0 < T; i0 += p.tile) {
    let n = min(p.tile, T - i0);
    let hd = p.H * D;
    for (var e = tid; e < n * D; e += WG) {
      let r = e / D;
      let c = e % D;
      tileA[e] = qkv[qkvBase(b, i0 + r, 0u, h) + c];
      tileB[e] = dout[oBase(b, i0 + r, h) + c];
    }
    workgroupBarrier();
    if (inRange && j < i0 + n) {
      // Queries i0 + r with i0 + r >= j see key j.
      var r = 0u;
      if (j > i0) {
        r = j - i0;
      }
      for (; r < n; r++) {
        let ri = rowIndex(b, h, i0 + r);
        var sj = 0.0;
        var dp = 0.0;
        for (var d = 0u; d < D; d++) {
          sj = fma(tileA[r * D + d], k[d], sj);
          dp = fma(tileB[r * D + d], v[d], dp);
        }
        let pij = exp(sj - lseIn[ri]);
        let ds = pij * (dp - deltaIn[ri]);
        for (var d = 0u; d < D; d++) {
          dv[d] = fma(pij, tileB[r * D + d], dv[d]);
          dk[d] = fma(ds, tileA[r * D + d], dk[d]);
        }
      }
    }
    workgroupBarrier();
  }

  if (inRange) {
    let kj = qkvBase(b, j, 1u, h);
    let vj = qkvBase(b, j, 2u, h);
    for (var d = 0u; d < D; d++) {
      dqkv[kj + d] = dk[d] * p.scale;
      dqkv[vj + d] = dv[d];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Variant 'row': one invocation per (b, h, row), no barriers, no workgroup memory.

struct RowId {
  b: u32,
  h: u32,
  t: u32,
}

// The (b, h, row) of flat invocation index `flat` = (b * H + h) * T + row.
fn rowId(flat: u32) -> RowId {
  let bh = flat / p.T;
  return RowId(bh / p.H, bh % p.H, flat % p.T);
}

// The hot loops over d below are unrolled by 4 (the `// @unroll x` blocks, x = 0..3, expanded by
// src/ops/attention.ts; with a remainder loop): SwiftShader pays a lot per loop iteration. Every
// sum still runs over d in ascending order, as a plain loop would.

@compute @workgroup_size(ROW_WG, 1, 1)
fn forward_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let flat = flatItem(lid, grid, ROW_WG);
  if (flat >= p.rows) {
    return;
  }
  let id = rowId(flat);
  let D = p.headSize;
  let D4 = D & ~3u;
  let hd = p.H * D;
  // qkv elements between consecutive positions t of one (b, h, slot).
  let stride = 3u * hd;

  var q: array<f32, MAX_D>;
  var acc: array<f32, MAX_D>;
  let qi = qkvBase(id.b, id.t, 0u, id.h);
  for (var d = 0u; d < D; d++) {
    q[d] = qkv[qi + d] * p.scale;
  }
  var m = NEG_BIG;
  var l = 0.0;
  var kj = qkvBase(id.b, 0u, 1u, id.h);
  for (var j = 0u; j <= id.t; j++) {
    var s = 0.0;
    var d = 0u;
    for (; d < D4; d += 4u) {
      let e = kj + d;
      // @unroll x
      s = fma(q[d + $xu], qkv[e + $xu], s);
      // @end
    }
    for (; d < D; d++) {
      s = fma(q[d], qkv[kj + d], s);
    }
    // Online softmax, one key at a time: c = 1 (exactly) unless key j raises the running max,
    // and acc * 1 is exact, so a step without a new max rounds acc once, as an fma.
    let mNew = max(m, s);
    let c = exp(m - mNew);
    let pj = exp(s - mNew);
    l = fma(l, c, pj);
    let vj = kj + hd;
    d = 0u;
    for (; d < D4; d += 4u) {
      let e = vj + d;
      // @unroll x
      acc[d + $xu] = fma(pj, qkv[e + $xu], acc[d + $xu] * c);
      // @end
    }
    for (; d < D; d++) {
      acc[d] = fma(pj, qkv[vj + d], acc[d] * c);
    }
    m = mNew;
    kj += stride;
  }
  // Key 0 is visible to every query, so l >= 1.
  let inv = 1.0 / l;
  let oi = oBase(id.b, id.t, id.h);
  for (var d = 0u; d < D; d++) {
    o[oi + d] = acc[d] * inv;
  }
  lse[rowIndex(id.b, id.h, id.t)] = m + log(l);
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn backward_dq_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let flat = flatItem(lid, grid, ROW_WG);
  if (flat >= p.rows) {
    return;
  }
  let id = rowId(flat);
  let D = p.headSize;
  let D4 = D & ~3u;
  let hd = p.H * D;
  let stride = 3u * hd;

  var q: array<f32, MAX_D>;
  var g: array<f32, MAX_D>; // dO_i
  var dq: array<f32, MAX_D>;
  let qi = qkvBase(id.b, id.t, 0u, id.h);
  let oi = oBase(id.b, id.t, id.h);
  var delta = 0.0;
  for (var d = 0u; d < D; d++) {
    q[d] = qkv[qi + d] * p.scale;
    g[d] = dout[oi + d];
    delta = fma(g[d], oIn[oi + d], delta);
  }
  let r = rowIndex(id.b, id.h, id.t);
  deltaOut[r] = delta;
  let L = lseIn[r];

  var kj = qkvBase(id.b, 0u, 1u, id.h);
  for (var j = 0u; j <= id.t; j++) {
    let vj = kj + hd;
    var s = 0.0;
    var dp = 0.0;
    var d = 0u;
    for (; d < D4; d += 4u) {
      let ek = kj + d;
      let ev = vj + d;
      // @unroll x
      s = fma(q[d + $xu], qkv[ek + $xu], s);
      dp = fma(g[d + $xu], qkv[ev + $xu], dp);
      // @end
    }
    for (; d < D; d++) {
      s = fma(q[d], qkv[kj + d], s);
      dp = fma(g[d], qkv[vj + d], dp);
    }
    let ds = exp(s - L) * (dp - delta);
    d = 0u;
    for (; d < D4; d += 4u) {
      let e = kj + d;
      // @unroll x
      dq[d + $xu] = fma(ds, qkv[e + $xu], dq[d + $xu]);
      // @end
    }
    for (; d < D; d++) {
      dq[d] = fma(ds, qkv[kj + d], dq[d]);
    }
    kj += stride;
  }
  for (var d = 0u; d < D; d++) {
    dqkv[qi + d] = dq[d] * p.scale;
  }
}

@compute @workgroup_size(ROW_WG, 1, 1)
fn backward_dkv_row(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let flat = flatItem(lid, grid, ROW_WG);
  if (flat >= p.rows) {
    return;
  }
  let id = rowId(flat);
  let j = id.t;
  let D = p.headSize;
  let D4 = D & ~3u;
  let hd = p.H * D;
  let stride = 3u * hd;

  var k: array<f32, MAX_D>;
  var v: array<f32, MAX_D>;
  var dk: array<f32, MAX_D>;
  var dv: array<f32, MAX_D>;
  let kj = qkvBase(id.b, j, 1u, id.h);
  let vj = kj + hd;
  for (var d = 0u; d < D; d++) {
    k[d] = qkv[kj + d] * p.scale;
    v[d] = qkv[vj + d];
  }
  // Queries i = T - 1 down to j see key j.
  var qi = qkvBase(id.b, p.T - 1u, 0u, id.h);
  var oi = oBase(id.b, p.T - 1u, id.h);
  var r = rowIndex(id.b, id.h, p.T - 1u);
  for (var n = p.T - j; n > 0u; n--) {
    var s = 0.0;
    var dp = 0.0;
    var d = 0u;
    for (; d < D4; d += 4u) {
      let eq = qi + d;
      let eo = oi + d;
      // @unroll x
      s = fma(qkv[eq + $xu], k[d + $xu], s);
      dp = fma(dout[eo + $xu], v[d + $xu], dp);
      // @end
    }
    for (; d < D; d++) {
      s = fma(qkv[qi + d], k[d], s);
      dp = fma(dout[oi + d], v[d], dp);
    }
    let pij = exp(s - lseIn[r]);
    let ds = pij * (dp - deltaIn[r]);
    d = 0u;
    for (; d < D4; d += 4u) {
      let eq = qi + d;
      let eo = oi + d;
      // @unroll x
      dv[d + $xu] = fma(pij, dout[eo + $xu], dv[d + $xu]);
      dk[d + $xu] = fma(ds, qkv[eq + $xu], dk[d + $xu]);
      // @end
    }
    for (; d < D; d++) {
      dv[d] = fma(pij, dout[oi + d], dv[d]);
      dk[d] = fma(ds, qkv[qi + d], dk[d]);
    }
    qi -= stride;
    oi -= hd;
    r -= 1u;
  }
  for (var d = 0u; d < D; d++) {
    dqkv[kj + d] = dk[d] * p.scale;
    dqkv[vj + d] = dv[d];
  }
}
