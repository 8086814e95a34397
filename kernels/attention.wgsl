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
//   delta [B, H, T]       scratch: Delta_i, written by backward_dq, read by backward_dkv.
//
// Entry points and bindings (group 0; each entry point uses only the bindings listed for it):
//   forward:      0 qkv read, 1 o read_write, 2 lse read_write, 9 p uniform.
//   backward_dq:  0 qkv read, 3 oIn read, 4 dout read, 5 lseIn read, 6 dqkv read_write,
//                 7 deltaOut read_write, 9 p.                      Writes dQ and Delta.
//   backward_dkv: 0 qkv read, 4 dout read, 5 lseIn read, 6 dqkv read_write, 8 deltaIn read, 9 p.
//                 Writes dK and dV; must run after backward_dq (it reads Delta).
// Dispatch (every entry point): (ceil(T / 64), H, B), workgroup 64.
//
// One thread owns one row: a query row (forward, backward_dq) or a key row (backward_dkv), with
// its length-D vectors in private arrays. The workgroup stages the other side in tiles of
// p.tile rows (K and V, or Q and dO) through workgroup memory, two barriers per tile. Causal
// blocks are skipped: a query block reads keys < its end, a key block reads queries >= its start.
// The backward never uses atomics: dQ is summed by its query's thread, dK and dV by their key's
// thread, in a fixed order, so results are deterministic.

struct Params {
  T: u32,
  H: u32,
  D: u32,
  // Rows per staged tile: min(64, 2048 / D), so that tile * D <= TILE_FLOATS.
  tile: u32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read_write> o: array<f32>;
@group(0) @binding(2) var<storage, read_write> lse: array<f32>;
@group(0) @binding(3) var<storage, read> oIn: array<f32>;
@group(0) @binding(4) var<storage, read> dout: array<f32>;
@group(0) @binding(5) var<storage, read> lseIn: array<f32>;
@group(0) @binding(6) var<storage, read_write> dqkv: array<f32>;
@group(0) @binding(7) var<storage, read_write> deltaOut: array<f32>;
@group(0) @binding(8) var<storage, read> deltaIn: array<f32>;
@group(0) @binding(9) var<uniform> p: Params;

const WG = 64u;
const MAX_D = 128u;
const MAX_TILE = 64u;
const TILE_FLOATS = 2048u;
// Below any logit; finite so that exp(NEG_BIG - m) is 0 rather than NaN.
const NEG_BIG = -3.0e38;

// K (forward, backward_dq) or Q (backward_dkv) rows, [tile][D].
var<workgroup> tileA: array<f32, TILE_FLOATS>;
// V (forward, backward_dq) or dO (backward_dkv) rows, [tile][D].
var<workgroup> tileB: array<f32, TILE_FLOATS>;

// Index of qkv[b, t, slot, h, 0] (and of dqkv's).
fn qkvBase(b: u32, t: u32, slot: u32, h: u32) -> u32 {
  return (((b * p.T + t) * 3u + slot) * p.H + h) * p.D;
}

// Index of o[b, t, h, 0] (and of dout's).
fn oBase(b: u32, t: u32, h: u32) -> u32 {
  return ((b * p.T + t) * p.H + h) * p.D;
}

// Index of lse[b, h, t] (and of delta's).
fn rowIndex(b: u32, h: u32, t: u32) -> u32 {
  return (b * p.H + h) * p.T + t;
}

// Stages `n` rows starting at row t0 of slots slotA, slotA + 1 of qkv into tileA, tileB.
fn stageQkv(b: u32, h: u32, t0: u32, n: u32, slotA: u32, tid: u32) {
  let D = p.D;
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
  let D = p.D;
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
  let D = p.D;
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
  let D = p.D;
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
