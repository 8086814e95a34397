// matmul: C[b] = alpha * op(A[b]) . op(B[b]) + bias[b] + beta * C[b], for b in 0..batch, then
// optionally a GELU epilogue (kernels/shared/matmul_io.wgsl: also write gelu(C), or multiply C
// by gelu'(u)).
// Tiled variant for GPUs (workgroup memory, one barrier per k slice). On CPU fallback adapters
// src/ops/matmul.ts picks the barrier-free kernels/matmul_direct.wgsl instead.
//
// Bindings (group 0):
//   0 p:    uniform Params       sizes, per-batch element strides (0 broadcasts), alpha, beta,
//                                flags (TRANS_A 1, TRANS_B 2, HAS_BIAS 4, FAST 8, epilogue << 4:
//                                GELU 16, GELU_GRAD 32).
//   1 a:    storage<read>        A as vec4s, row-major. TRANS_A=false: [M, K]; TRANS_A=true: [K, M].
//   2 b:    storage<read>        B as vec4s, row-major. TRANS_B=false: [K, N]; TRANS_B=true: [N, K].
//   3 c:    storage<read_write>  C, row-major [M, N]; read only when beta != 0.
//   4 bias: storage<read>        [N] per batch, strideBias apart (0: shared), added to every row
//                                when HAS_BIAS (else any 4-byte buffer).
//   5 geluOut: storage<read_write> gelu(C), laid out as C, when the epilogue is GELU (else C).
//   6 geluIn:  storage<read>       u, laid out as C, when the epilogue is GELU_GRAD (else A).
// A and B are bound as array<vec4<f32>> over the tensor's bytes rounded up to 16; element i is
// a[i / 4][i % 4], so any shape works, and aligned shapes load whole vec4s.
// Dispatch: (ceil(N / T), ceil(M / T), batch) with T = 8 * WG, workgroup WG x WG (WG = 8 or 16).
//
// Each workgroup computes a T x T tile of C and each thread an 8 x 8 block of it: rows
// 4 ly + i and T/2 + 4 ly + i, columns 4 lx + j and T/2 + 4 lx + j (i, j < 4), so that per k a
// thread reads two vec4s of each tile and does 64 multiply-adds. K is walked in slices of BK = 8,
// staged k-major in workgroup memory (double-buffered: one barrier per slice); the next slice's
// global loads are issued before the current slice's arithmetic.
//
// The flags are uniforms, not override constants: they only steer the per-slice loads and the
// epilogue, never the inner loop, and one pipeline per WG keeps compiles few (SwiftShader takes
// ~1 s per pipeline of this kernel).
// FAST (set by the host when every contiguous dimension and batch stride is a multiple of 4 and
// K % 8 == 0) loads whole vec4s with no bounds checks: rows and columns beyond M and N are
// clamped to valid memory (their results are never stored) and k never leaves [0, K). Otherwise
// each element is loaded alone and zero outside the matrix.
// The transposed variants let the backward pass use this kernel directly (dA = dC . B^T,
// dB = A^T . dC) with no transpose op.

// Params, bindings 0, 3-6 and the epilogue store4 (kernels/shared/matmul_io.wgsl):
// @use matmul_io
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;

// Threads per side of the workgroup; the tile is T = 8 * WG square. 8 or 16.
override WG: u32 = 16;

const BK = 8u;
// One buffer holds a k slice: BK rows of T / 4 = 2 WG vec4s. Sized by WG (not for the largest
// WG): SwiftShader's compile time grows with workgroup memory (1.5 s at 16 KiB, 0.8 s at 8 KiB).
override SLOT: u32 = BK * 2u * WG;
var<workgroup> tileA: array<vec4<f32>, 2u * SLOT>; // [2][BK][T / 4], k-major: rows of A along m
var<workgroup> tileB: array<vec4<f32>, 2u * SLOT>; // [2][BK][T / 4], k-major: columns of B along n

fn transA() -> bool {
  return (p.flags & 1u) != 0u;
}

fn transB() -> bool {
  return (p.flags & 2u) != 0u;
}

fn hasBias() -> bool {
  return (p.flags & 4u) != 0u;
}

fn fast() -> bool {
  return (p.flags & 8u) != 0u;
}

fn epilogue() -> u32 {
  return (p.flags >> 4u) & 3u;
}

fn elemA(i: u32) -> f32 {
  return a[i / 4u][i % 4u];
}

fn elemB(i: u32) -> f32 {
  return b[i / 4u][i % 4u];
}

// op(A)[m, k] of this batch, zero outside the matrix.
fn loadA1(base: u32, m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) {
    return 0.0;
  }
  if (transA()) {
    return elemA(base + k * p.M + m);
  }
  return elemA(base + m * p.K + k);
}

// op(B)[k, n] of this batch, zero outside the matrix.
fn loadB1(base: u32, k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) {
    return 0.0;
  }
  if (transB()) {
    return elemB(base + n * p.K + k);
  }
  return elemB(base + k * p.N + n);
}

// Slot e (< 2 T) of a k slice of A, as 4 consecutive elements of A's memory:
// transA: k = k0 + e / (T/4), m = m0 + 4 (e % (T/4)) .. + 3 (contiguous in m);
// else:    m = m0 + e / 2, k = k0 + 4 (e % 2) .. + 3 (contiguous in k).
fn loadSliceA(base: u32, m0: u32, k0: u32, e: u32) -> vec4<f32> {
  let q = 2u * WG;
  if (transA()) {
    let k = k0 + e / q;
    let m = m0 + 4u * (e % q);
    if (fast()) {
      return a[(base + k * p.M + min(m, p.M - 4u)) / 4u];
    }
    return vec4<f32>(
      loadA1(base, m, k),
      loadA1(base, m + 1u, k),
      loadA1(base, m + 2u, k),
      loadA1(base, m + 3u, k),
    );
  }
  let m = m0 + e / 2u;
  let k = k0 + 4u * (e % 2u);
  if (fast()) {
    return a[(base + min(m, p.M - 1u) * p.K + k) / 4u];
  }
  return vec4<f32>(
    loadA1(base, m, k),
    loadA1(base, m, k + 1u),
    loadA1(base, m, k + 2u),
    loadA1(base, m, k + 3u),
  );
}

// Slot e of a k slice of B: transB: n = n0 + e / 2, k = k0 + 4 (e % 2) .. + 3;
// else: k = k0 + e / (T/4), n = n0 + 4 (e % (T/4)) .. + 3.
fn loadSliceB(base: u32, n0: u32, k0: u32, e: u32) -> vec4<f32> {
  let q = 2u * WG;
  if (transB()) {
    let n = n0 + e / 2u;
    let k = k0 + 4u * (e % 2u);
    if (fast()) {
      return b[(base + min(n, p.N - 1u) * p.K + k) / 4u];
    }
    return vec4<f32>(
      loadB1(base, k, n),
      loadB1(base, k + 1u, n),
      loadB1(base, k + 2u, n),
      loadB1(base, k + 3u, n),
    );
  }
  let k = k0 + e / q;
  let n = n0 + 4u * (e % q);
  if (fast()) {
    return b[(base + k * p.N + min(n, p.N - 4u)) / 4u];
  }
  return vec4<f32>(
    loadB1(base, k, n),
    loadB1(base, k, n + 1u),
    loadB1(base, k, n + 2u),
    loadB1(base, k, n + 3u),
  );
}

// Writes slot e of a slice into buffer `buf` of the k-major tile.
fn storeSliceA(buf: u32, e: u32, v: vec4<f32>) {
  let q = 2u * WG;
  if (transA()) {
    tileA[buf * SLOT + e] = v; // slot e is already (k, 4 m's)
    return;
  }
  let m = e / 2u;
  let k = 4u * (e % 2u);
  let at = buf * SLOT + m / 4u;
  tileA[at + k * q][m % 4u] = v.x;
  tileA[at + (k + 1u) * q][m % 4u] = v.y;
  tileA[at + (k + 2u) * q][m % 4u] = v.z;
  tileA[at + (k + 3u) * q][m % 4u] = v.w;
}

fn storeSliceB(buf: u32, e: u32, v: vec4<f32>) {
  let q = 2u * WG;
  if (!transB()) {
    tileB[buf * SLOT + e] = v;
    return;
  }
  let n = e / 2u;
  let k = 4u * (e % 2u);
  let at = buf * SLOT + n / 4u;
  tileB[at + k * q][n % 4u] = v.x;
  tileB[at + (k + 1u) * q][n % 4u] = v.y;
  tileB[at + (k + 2u) * q][n % 4u] = v.z;
  tileB[at + (k + 3u) * q][n % 4u] = v.w;
}

@compute @workgroup_size(WG, WG, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let T = 8u * WG;
  let q = 2u * WG; // vec4s per k row of a tile
  let tid = lid.y * WG + lid.x;
  let threads = WG * WG;
  let loads = 2u * T / threads; // slots per thread per slice: 1 (WG = 16) or 2 (WG = 8)
  let m0 = wid.y * T;
  let n0 = wid.x * T;
  let baseA = wid.z * p.strideA;
  let baseB = wid.z * p.strideB;
  let batch = wid.z;
  let slices = (p.K + BK - 1u) / BK;

  // acc[2 i + h]: row (i < 4 ? 4 ly + i : T/2 + 4 ly + i - 4), columns h half, 4 lx .. 4 lx + 3.
  var acc: array<vec4<f32>, 16>;
  var nextA: array<vec4<f32>, 2>;
  var nextB: array<vec4<f32>, 2>;

  for (var r = 0u; r < loads; r++) {
    storeSliceA(0u, tid + r * threads, loadSliceA(baseA, m0, 0u, tid + r * threads));
    storeSliceB(0u, tid + r * threads, loadSliceB(baseB, n0, 0u, tid + r * threads));
  }
  workgroupBarrier();

  for (var s = 0u; s < slices; s++) {
    let cur = (s % 2u) * SLOT;
    let more = s + 1u < slices;
    if (more) {
      for (var r = 0u; r < loads; r++) {
        nextA[r] = loadSliceA(baseA, m0, (s + 1u) * BK, tid + r * threads);
        nextB[r] = loadSliceB(baseB, n0, (s + 1u) * BK, tid + r * threads);
      }
    }
    for (var kk = 0u; kk < BK; kk++) {
      let row = cur + kk * q;
      let a0 = tileA[row + lid.y];
      let a1 = tileA[row + WG + lid.y];
      let b0 = tileB[row + lid.x];
      let b1 = tileB[row + WG + lid.x];
      acc[0] += a0.x * b0;
      acc[1] += a0.x * b1;
      acc[2] += a0.y * b0;
      acc[3] += a0.y * b1;
      acc[4] += a0.z * b0;
      acc[5] += a0.z * b1;
      acc[6] += a0.w * b0;
      acc[7] += a0.w * b1;
      acc[8] += a1.x * b0;
      acc[9] += a1.x * b1;
      acc[10] += a1.y * b0;
      acc[11] += a1.y * b1;
      acc[12] += a1.z * b0;
      acc[13] += a1.z * b1;
      acc[14] += a1.w * b0;
      acc[15] += a1.w * b1;
    }
    if (more) {
      for (var r = 0u; r < loads; r++) {
        storeSliceA(1u - s % 2u, tid + r * threads, nextA[r]);
        storeSliceB(1u - s % 2u, tid + r * threads, nextB[r]);
      }
    }
    workgroupBarrier();
  }

  let r0 = m0 + 4u * lid.y;
  let r1 = m0 + T / 2u + 4u * lid.y;
  let c0 = n0 + 4u * lid.x;
  let c1 = n0 + T / 2u + 4u * lid.x;
  store4(batch, r0, c0, 1u, acc[0]);
  store4(batch, r0, c1, 1u, acc[1]);
  store4(batch, r0 + 1u, c0, 1u, acc[2]);
  store4(batch, r0 + 1u, c1, 1u, acc[3]);
  store4(batch, r0 + 2u, c0, 1u, acc[4]);
  store4(batch, r0 + 2u, c1, 1u, acc[5]);
  store4(batch, r0 + 3u, c0, 1u, acc[6]);
  store4(batch, r0 + 3u, c1, 1u, acc[7]);
  store4(batch, r1, c0, 1u, acc[8]);
  store4(batch, r1, c1, 1u, acc[9]);
  store4(batch, r1 + 1u, c0, 1u, acc[10]);
  store4(batch, r1 + 1u, c1, 1u, acc[11]);
  store4(batch, r1 + 2u, c0, 1u, acc[12]);
  store4(batch, r1 + 2u, c1, 1u, acc[13]);
  store4(batch, r1 + 3u, c0, 1u, acc[14]);
  store4(batch, r1 + 3u, c1, 1u, acc[15]);
}
