// Token + position embedding with an input multiplier, and its backward.
//
//   forward:      out[b, t, :] = alpha * (tokEmb[tokens[b, t], :] + posEmb[t, :])
//                 (a token id >= vocab gives a row of zeros)
//   backward_tok: dTok[v, :] = alpha * sum over (b, t) with tokens[b, t] = v of dOut[b, t, :]
//                              + beta * dTok[v, :]
//   backward_pos: dPos[t, :] = alpha * sum_b dOut[b, t, :] + betaPos * dPos[t, :]   (t < seq;
//                 rows seq <= t < posRows get betaPos * dPos[t, :], i.e. zero gradient)
//   Positions whose id is >= vocab contribute to neither gradient.
//   beta (betaPos) = 0 never reads the old gradient; they differ e.g. under a tied readout,
//   whose matmul wrote its part of dTok just before (beta 1) while dPos starts afresh (betaPos 0). µP: alpha is the input multiplier alpha_in.
//
// Shapes, row-major: tokens u32 [batch, seq]; tokEmb, dTok [vocab, dim]; posEmb, dPos
// [posRows, dim] with posRows >= seq (the context length); out, dOut [batch, seq, dim].
//
// Bindings (group 0):
//   0 p:      uniform Params                  all
//   1 tokens: storage<read> u32 [batch * seq] forward, backward_tok, backward_pos
//   2 tokEmb: storage<read>        [vocab, dim]     forward
//   3 posEmb: storage<read>        [posRows, dim]   forward
//   4 out:    storage<read_write>  [batch, seq, dim] forward
//   5 dOut:   storage<read>        [batch, seq, dim] backward_tok, backward_pos
//   6 dTok:   storage<read_write>  [vocab, dim]     backward_tok
//   7 dPos:   storage<read_write>  [posRows, dim]   backward_pos
//   8 order:  storage<read_write> u32 [batch * seq + 2 vocab] bucket_tokens (written),
//                                                   backward_tok_sorted (read)
//
// Dispatch:
//   forward:      ceil(batch * seq * dim / 256) workgroups of 256, split over (x, y) past the
//                 per-dimension limit (flat workgroup index wid.x + wid.y * nwg.x).
//   backward_tok: (ceil(dim / 64), ceil(vocab / 4)), workgroup 64 x 4: thread (c, r) owns
//                 dTok[v = 4 wid.y + r, d = 64 wid.x + c]. The workgroup walks all batch * seq
//                 tokens in order, 256 at a time staged in workgroup memory, adding dOut rows
//                 whose token is v: a deterministic scatter-add without atomics, costing
//                 vocab * batch * seq comparisons (fine for vocabularies of a few hundred).
//   backward_tok_direct: the same grid and sums in the same order, without workgroup memory or
//                 barriers: each thread reads the token ids straight from storage (the same id
//                 for the 64 threads of a row). For CPU adapters, where a barrier turns every
//                 4-lane SIMD group into a coroutine (see README, matmul variants).
//   bucket_tokens + backward_tok_sorted: the same sums in the same order with far fewer loads.
//                 bucket_tokens (ceil(vocab / 64) workgroups of 64, one thread per id v) writes
//                 the positions holding v, in increasing order, to order[start_v ..] where
//                 start_v counts the valid ids < v, and (start_v, count_v) to order[n + 2 v ..]
//                 (n = batch * seq). backward_tok_sorted (grid as backward_tok) then adds only
//                 v's dOut rows: vocab * n + n * dim loads in place of vocab * dim * n. For CPU
//                 adapters, where every storage load with a computed index is a per-lane gather.
//   backward_pos: ceil(posRows * dim / 256) workgroups of 256, flat as in forward; each thread
//                 sums its column over the batch in order.

struct Params {
  batch: u32,
  seq: u32,
  dim: u32,
  vocab: u32,
  posRows: u32,
  alpha: f32,
  beta: f32,
  betaPos: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> tokEmb: array<f32>;
@group(0) @binding(3) var<storage, read> posEmb: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read> dOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> dTok: array<f32>;
@group(0) @binding(7) var<storage, read_write> dPos: array<f32>;
@group(0) @binding(8) var<storage, read_write> order: array<u32>;

const WG = 256u;

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.batch * p.seq * p.dim) {
    return;
  }
  let bt = i / p.dim;
  let d = i % p.dim;
  let t = bt % p.seq;
  let id = tokens[bt];
  var v = 0.0;
  if (id < p.vocab) {
    v = p.alpha * (tokEmb[id * p.dim + d] + posEmb[t * p.dim + d]);
  }
  out[i] = v;
}

// dTok[v, d] = alpha * acc + beta * dTok[v, d] (the old value read only when beta != 0).
fn storeTokGrad(v: u32, d: u32, acc: f32) {
  var g = p.alpha * acc;
  let o = v * p.dim + d;
  if (p.beta != 0.0) {
    g += p.beta * dTok[o];
  }
  dTok[o] = g;
}

var<workgroup> chunk: array<u32, 256>;

@compute @workgroup_size(64, 4, 1)
fn backward_tok(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let d = wid.x * 64u + lid.x;
  let v = wid.y * 4u + lid.y;
  let tid = lid.y * 64u + lid.x;
  let owns = d < p.dim && v < p.vocab;
  let count = p.batch * p.seq;
  var acc = 0.0;
  // Every thread stays in the loop (barriers need uniform control flow); inactive ones only
  // help stage the tokens.
  for (var base = 0u; base < count; base += WG) {
    let k = base + tid;
    chunk[tid] = select(0xffffffffu, tokens[min(k, count - 1u)], k < count);
    workgroupBarrier();
    let m = min(WG, count - base);
    if (owns) {
      for (var j = 0u; j < m; j++) {
        if (chunk[j] == v) {
          acc += dOut[(base + j) * p.dim + d];
        }
      }
    }
    workgroupBarrier();
  }
  if (owns) {
    storeTokGrad(v, d, acc);
  }
}

@compute @workgroup_size(256, 1, 1)
fn backward_pos(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.posRows * p.dim) {
    return;
  }
  let t = i / p.dim;
  let d = i % p.dim;
  var acc = 0.0;
  if (t < p.seq) {
    for (var b = 0u; b < p.batch; b++) {
      // Positions holding an invalid id got zeros in the forward: no gradient from them.
      if (tokens[b * p.seq + t] < p.vocab) {
        acc += dOut[(b * p.seq + t) * p.dim + d];
      }
    }
  }
  var g = p.alpha * acc;
  if (p.betaPos != 0.0) {
    g += p.betaPos * dPos[i];
  }
  dPos[i] = g;
}

@compute @workgroup_size(64, 4, 1)
fn backward_tok_direct(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let d = wid.x * 64u + lid.x;
  let v = wid.y * 4u + lid.y;
  if (d >= p.dim || v >= p.vocab) {
    return;
  }
  let count = p.batch * p.seq;
  var acc = 0.0;
  for (var j = 0u; j < count; j++) {
    if (tokens[j] == v) {
      acc += dOut[j * p.dim + d];
    }
  }
  storeTokGrad(v, d, acc);
}

@compute @workgroup_size(64, 1, 1)
fn bucket_tokens(@builtin(global_invocation_id) gid: vec3<u32>) {
  let v = gid.x;
  if (v >= p.vocab) {
    return;
  }
  let count = p.batch * p.seq;
  var start = 0u;
  var n = 0u;
  for (var j = 0u; j < count; j++) {
    let id = tokens[j];
    start += select(0u, 1u, id < v);
    n += select(0u, 1u, id == v);
  }
  order[count + 2u * v] = start;
  order[count + 2u * v + 1u] = n;
  var at = start;
  for (var j = 0u; j < count; j++) {
    if (tokens[j] == v) {
      order[at] = j;
      at++;
    }
  }
}

@compute @workgroup_size(64, 4, 1)
fn backward_tok_sorted(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let d = wid.x * 64u + lid.x;
  let v = wid.y * 4u + lid.y;
  if (d >= p.dim || v >= p.vocab) {
    return;
  }
  let count = p.batch * p.seq;
  let start = order[count + 2u * v];
  let end = start + order[count + 2u * v + 1u];
  var acc = 0.0;
  for (var i = start; i < end; i++) {
    acc += dOut[order[i] * p.dim + d];
  }
  storeTokGrad(v, d, acc);
}
