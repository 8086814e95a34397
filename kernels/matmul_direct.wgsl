// matmul, barrier-free variant: C[b] = alpha * op(A[b]) . op(B[b]) + bias[b] + beta * C[b].
// Same contract and bindings as kernels/matmul.wgsl; of its Params this kernel ignores `flags`:
// here the transposes, the bias and the epilogue are override constants (the inner loop depends
// on the transposes).
// src/ops/matmul.ts picks it on CPU fallback adapters (SwiftShader), where it measured 3-10x
// faster than the tiled kernel and 5-17x faster than TensorFlow.js's WebGPU matmul
// (bench/README.md).
//
// Bindings (group 0):
//   0 p:    uniform Params       sizes, per-batch element strides (0 broadcasts), alpha, beta.
//   1 a:    storage<read>        A, row-major. TRANS_A=false: [M, K]; TRANS_A=true: [K, M].
//   2 b:    storage<read>        B, row-major. TRANS_B=false: [K, N]; TRANS_B=true: [N, K].
//   3 c:    storage<read_write>  C, row-major [M, N]; read only when beta != 0.
//   4 bias: storage<read>        [N] per batch, strideBias apart (0: shared), added to every row
//                                when HAS_BIAS (else any 4-byte buffer).
//   5 geluOut: storage<read_write> gelu(C), laid out as C, when EPILOGUE is GELU (else C).
//   6 geluIn:  storage<read>       u, laid out as C, when EPILOGUE is GELU_GRAD (else A).
// Overrides: TRANS_A, TRANS_B, HAS_BIAS, EPILOGUE (EPILOGUE_* of kernels/shared/matmul_io.wgsl).
// Dispatch: (ceil(N / 64), ceil(M / 32), batch), workgroup 8 x 4.
//
// Each thread computes an 8 x 8 block of C: rows row0 + i (i < 8) and columns col0 + 8 j (j < 8),
// reading A and B straight from storage, with no workgroup memory and no barrier. Why this shape
// (measured on SwiftShader, see bench/README.md):
// - SwiftShader runs a subgroup of 4 consecutive invocations as one 4-wide SIMD program; a
//   workgroup barrier makes every subgroup a coroutine that yields there, and workgroup memory is
//   just more CPU memory. Dropping both made the same 4 x 4 blocking 3-7x faster.
// - Neighbouring invocations take neighbouring columns, so each B load is one contiguous 4-lane
//   vector and each A load is the same address in all lanes (a broadcast).
// - An 8 x 8 block amortises the 16 loads per k over 64 multiply-adds (4 x 4 was 2x slower).
// - Arrays indexed by a loop variable live in memory there (7x slower), and so does an array with
//   a single dynamically indexed access anywhere (2x): the k step and the epilogue use constant
//   indices only, and k is unrolled by two.
// Out-of-range rows and columns are clamped to the last valid one for loading (their results are
// never stored), so the k loop carries no bounds checks for any shape.

// Params, bindings 0, 3-6 and the epilogue store4 (kernels/shared/matmul_io.wgsl):
// @use matmul_io
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override EPILOGUE: u32 = 0u;

fn hasBias() -> bool {
  return HAS_BIAS;
}

fn epilogue() -> u32 {
  return EPILOGUE;
}

const WX = 8u;
const WY = 4u;
const TM = 8u;
const TN = 8u;

// One k step: ia / ib hold the offsets of the thread's 8 rows of op(A) and 8 columns of op(B),
// ka / kb the offset of k within them. acc[2 i + h] holds row i, columns 4 h .. 4 h + 3.
fn kstep(
  acc: ptr<function, array<vec4<f32>, 16>>,
  ia: ptr<function, array<u32, 8>>,
  ib: ptr<function, array<u32, 8>>,
  ka: u32,
  kb: u32,
) {
  let b0 = vec4<f32>(b[(*ib)[0] + kb], b[(*ib)[1] + kb], b[(*ib)[2] + kb], b[(*ib)[3] + kb]);
  let b1 = vec4<f32>(b[(*ib)[4] + kb], b[(*ib)[5] + kb], b[(*ib)[6] + kb], b[(*ib)[7] + kb]);
  let a0 = a[(*ia)[0] + ka];
  (*acc)[0] += a0 * b0;
  (*acc)[1] += a0 * b1;
  let a1 = a[(*ia)[1] + ka];
  (*acc)[2] += a1 * b0;
  (*acc)[3] += a1 * b1;
  let a2 = a[(*ia)[2] + ka];
  (*acc)[4] += a2 * b0;
  (*acc)[5] += a2 * b1;
  let a3 = a[(*ia)[3] + ka];
  (*acc)[6] += a3 * b0;
  (*acc)[7] += a3 * b1;
  let a4 = a[(*ia)[4] + ka];
  (*acc)[8] += a4 * b0;
  (*acc)[9] += a4 * b1;
  let a5 = a[(*ia)[5] + ka];
  (*acc)[10] += a5 * b0;
  (*acc)[11] += a5 * b1;
  let a6 = a[(*ia)[6] + ka];
  (*acc)[12] += a6 * b0;
  (*acc)[13] += a6 * b1;
  let a7 = a[(*ia)[7] + ka];
  (*acc)[14] += a7 * b0;
  (*acc)[15] += a7 * b1;
}

@compute @workgroup_size(8, 4, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let M = p.M;
  let K = p.K;
  let N = p.N;
  let row0 = wid.y * (WY * TM) + lid.y * TM;
  let col0 = wid.x * (WX * TN) + lid.x;
  let baseA = wid.z * p.strideA;
  let baseB = wid.z * p.strideB;
  let batch = wid.z;

  // Offsets of row i of op(A) and column j of op(B), and the distance between consecutive k.
  var ia: array<u32, 8>;
  var ib: array<u32, 8>;
  // (`let`, not `var`: on SwiftShader a function variable is memory, reloaded at every use.)
  let rowStep = select(K, 1u, TRANS_A);
  let kStepA = select(1u, M, TRANS_A);
  let colStep = select(1u, K, TRANS_B);
  let kStepB = select(N, 1u, TRANS_B);
  ia[0] = baseA + rowStep * min(row0, M - 1u);
  ia[1] = baseA + rowStep * min(row0 + 1u, M - 1u);
  ia[2] = baseA + rowStep * min(row0 + 2u, M - 1u);
  ia[3] = baseA + rowStep * min(row0 + 3u, M - 1u);
  ia[4] = baseA + rowStep * min(row0 + 4u, M - 1u);
  ia[5] = baseA + rowStep * min(row0 + 5u, M - 1u);
  ia[6] = baseA + rowStep * min(row0 + 6u, M - 1u);
  ia[7] = baseA + rowStep * min(row0 + 7u, M - 1u);
  ib[0] = baseB + colStep * min(col0, N - 1u);
  ib[1] = baseB + colStep * min(col0 + WX, N - 1u);
  ib[2] = baseB + colStep * min(col0 + 2u * WX, N - 1u);
  ib[3] = baseB + colStep * min(col0 + 3u * WX, N - 1u);
  ib[4] = baseB + colStep * min(col0 + 4u * WX, N - 1u);
  ib[5] = baseB + colStep * min(col0 + 5u * WX, N - 1u);
  ib[6] = baseB + colStep * min(col0 + 6u * WX, N - 1u);
  ib[7] = baseB + colStep * min(col0 + 7u * WX, N - 1u);

  var acc: array<vec4<f32>, 16>;
  let K2 = K & ~1u;
  for (var k = 0u; k < K2; k += 2u) {
    kstep(&acc, &ia, &ib, k * kStepA, k * kStepB);
    kstep(&acc, &ia, &ib, (k + 1u) * kStepA, (k + 1u) * kStepB);
  }
  if (K2 < K) {
    kstep(&acc, &ia, &ib, K2 * kStepA, K2 * kStepB);
  }

  // Constant indices only: one dynamically indexed access would demote acc to memory everywhere.
  store4(batch, row0, col0, WX, acc[0]);
  store4(batch, row0, col0 + 4u * WX, WX, acc[1]);
  store4(batch, row0 + 1u, col0, WX, acc[2]);
  store4(batch, row0 + 1u, col0 + 4u * WX, WX, acc[3]);
  store4(batch, row0 + 2u, col0, WX, acc[4]);
  store4(batch, row0 + 2u, col0 + 4u * WX, WX, acc[5]);
  store4(batch, row0 + 3u, col0, WX, acc[6]);
  store4(batch, row0 + 3u, col0 + 4u * WX, WX, acc[7]);
  store4(batch, row0 + 4u, col0, WX, acc[8]);
  store4(batch, row0 + 4u, col0 + 4u * WX, WX, acc[9]);
  store4(batch, row0 + 5u, col0, WX, acc[10]);
  store4(batch, row0 + 5u, col0 + 4u * WX, WX, acc[11]);
  store4(batch, row0 + 6u, col0, WX, acc[12]);
  store4(batch, row0 + 6u, col0 + 4u * WX, WX, acc[13]);
  store4(batch, row0 + 7u, col0, WX, acc[14]);
  store4(batch, row0 + 7u, col0 + 4u * WX, WX, acc[15]);
}
