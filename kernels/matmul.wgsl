// matmul: C[b] = alpha * op(A[b]) . op(B[b]) + bias + beta * C[b], for b in 0..batch.
//
// Bindings (group 0):
//   0 a:    storage<read>        A, row-major. TRANS_A=false: [M, K]; TRANS_A=true: [K, M].
//   1 b:    storage<read>        B, row-major. TRANS_B=false: [K, N]; TRANS_B=true: [N, K].
//   2 c:    storage<read_write>  C, row-major [M, N]; read only when beta != 0.
//   3 bias: storage<read>        [N], added to every row when HAS_BIAS (else any 4-byte buffer).
//   4 p:    uniform Params       sizes, per-batch element strides (0 broadcasts), alpha, beta.
// Dispatch: (ceil(N / 64), ceil(M / 64), batch), workgroup 16 x 16.
//
// Each workgroup computes a 64 x 64 tile of C, each thread a 4 x 4 block of it (rows
// lid.y + 16 i, columns lid.x + 16 j, so neighbouring threads write neighbouring columns).
// K is walked in slices of 16 staged through workgroup memory. The transposed variants let the
// backward pass use this kernel directly (dA = dC . B^T, dB = A^T . dC) with no transpose op.

struct Params {
  M: u32,
  K: u32,
  N: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;

const BM = 64u;
const BN = 64u;
const BK = 16u;
const THREADS = 256u;

// Tiles are stored k-major so the inner loop reads a row of each.
var<workgroup> tileA: array<f32, 1024>; // [BK][BM]
var<workgroup> tileB: array<f32, 1024>; // [BK][BN]

fn loadA(base: u32, m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) {
    return 0.0;
  }
  if (TRANS_A) {
    return a[base + k * p.M + m];
  }
  return a[base + m * p.K + k];
}

fn loadB(base: u32, k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) {
    return 0.0;
  }
  if (TRANS_B) {
    return b[base + n * p.K + k];
  }
  return b[base + k * p.N + n];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tid = lid.y * 16u + lid.x;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let baseA = wid.z * p.strideA;
  let baseB = wid.z * p.strideB;
  let baseC = wid.z * p.strideC;

  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) {
    acc[i] = 0.0;
  }

  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    // Stage the slices; consecutive threads read consecutive addresses of each layout.
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * THREADS;
      var mm: u32;
      var kk: u32;
      if (TRANS_A) {
        kk = e / BM;
        mm = e % BM;
      } else {
        mm = e / BK;
        kk = e % BK;
      }
      tileA[kk * BM + mm] = loadA(baseA, row0 + mm, k0 + kk);
      var nn: u32;
      var kb: u32;
      if (TRANS_B) {
        nn = e / BK;
        kb = e % BK;
      } else {
        kb = e / BN;
        nn = e % BN;
      }
      tileB[kb * BN + nn] = loadB(baseB, k0 + kb, col0 + nn);
    }
    workgroupBarrier();

    for (var kk = 0u; kk < BK; kk++) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        av[i] = tileA[kk * BM + lid.y + 16u * i];
        bv[i] = tileB[kk * BN + lid.x + 16u * i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i * 4u + j] = fma(av[i], bv[j], acc[i * 4u + j]);
        }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y + 16u * i;
    if (row >= p.M) {
      continue;
    }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x + 16u * j;
      if (col >= p.N) {
        continue;
      }
      let idx = baseC + row * p.N + col;
      var v = p.alpha * acc[i * 4u + j];
      if (HAS_BIAS) {
        v += bias[col];
      }
      if (p.beta != 0.0) {
        v += p.beta * c[idx];
      }
      c[idx] = v;
    }
  }
}
