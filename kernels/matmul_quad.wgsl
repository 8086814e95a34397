enable subgroups;

// matmul, barrier-free variant whose quads share their operands:
// C[b] = alpha * op(A[b]) . op(B[b]) + bias[b] + beta * C[b], for b in 0..batch.
// Same contract and bindings as kernels/matmul_direct.wgsl (Params.flags ignored; the transposes,
// the bias and the epilogue are override constants). Needs the `subgroups` feature (quad swaps).
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
// Dispatch: (ceil(N / 64), ceil(M / 32), batch), workgroup 32 x 1 = 8 quads.
//
// Each quad (4 consecutive invocations; lane q = local_invocation_index % 4) computes a
// 16 x 16 block of C: rows row0 + r and columns col0 + c (r, c < 16). The 8 quads of a workgroup
// cover 2 x 4 such blocks (32 x 64). Per k, lane q loads rows q, q + 4, q + 8, q + 12 of op(A)
// and columns q, q + 4, q + 8, q + 12 of op(B); quadSwapX, quadSwapY and quadSwapDiagonal hand it
// the columns of lanes q ^ 1, q ^ 2, q ^ 3, so it multiplies its 4 rows by all 16 columns. A lane
// issues 4 + 4 loads and 12 cross-lane moves for 64 multiply-adds, where matmul_direct's
// 8 x 8 block issues 8 + 8 loads (and the earlier form of this kernel, which shared A's rows by
// quadBroadcast, 16 cross-lane moves: the swaps measured 1.11x faster, geomean, on SwiftShader).
// Why (SwiftShader, bench/README.md): every storage load with a computed index is a 4-lane
// gather there (per lane: extract, branch, scalar load, insert), the kernel's largest cost, while
// a quad swap is a few SIMD operations and no memory access. The quads assume that
// subgroups are formed from consecutive local_invocation_index values (true on SwiftShader,
// whose subgroup is 4 consecutive invocations); where that fails the results are wrong and the
// self-test (src/ops/selftest/matmul.ts) says so: the tuner never picks a variant that fails
// it, and the thresholds pick this one only on CPU fallback adapters.
// As in matmul_direct: no workgroup memory or barrier, accumulators indexed by constants only,
// k unrolled by two, out-of-range rows and columns clamped for loading and never stored.

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

// A quad's block: 16 rows by 16 columns; a workgroup's: 32 by 64.
const QM = 16u;
const QN = 16u;
const WG_ROWS = 32u;
const WG_COLS = 64u;

// One k step (swap form): lane q loads its 4 rows of op(A) (a_i, row q + 4 i) and its 4 columns
// of op(B) (bv); quadSwapX/Y/Diagonal hand it the columns of lanes q^1, q^2, q^3, so it
// accumulates its 4 rows against all 16 columns of the quad. acc[4 i + s] holds row q + 4 i against
// the columns of lane q ^ s.
fn kstep(
  acc: ptr<function, array<vec4<f32>, 16>>,
  ia: ptr<function, array<u32, 4>>,
  ib: ptr<function, array<u32, 4>>,
  ka: u32,
  kb: u32,
) {
  let b0 = vec4<f32>(b[(*ib)[0] + kb], b[(*ib)[1] + kb], b[(*ib)[2] + kb], b[(*ib)[3] + kb]);
  let b1 = quadSwapX(b0);
  let b2 = quadSwapY(b0);
  let b3 = quadSwapDiagonal(b0);
  let a0 = a[(*ia)[0] + ka];
  let a1 = a[(*ia)[1] + ka];
  let a2 = a[(*ia)[2] + ka];
  let a3 = a[(*ia)[3] + ka];
  (*acc)[0] += a0 * b0;
  (*acc)[1] += a0 * b1;
  (*acc)[2] += a0 * b2;
  (*acc)[3] += a0 * b3;
  (*acc)[4] += a1 * b0;
  (*acc)[5] += a1 * b1;
  (*acc)[6] += a1 * b2;
  (*acc)[7] += a1 * b3;
  (*acc)[8] += a2 * b0;
  (*acc)[9] += a2 * b1;
  (*acc)[10] += a2 * b2;
  (*acc)[11] += a2 * b3;
  (*acc)[12] += a3 * b0;
  (*acc)[13] += a3 * b1;
  (*acc)[14] += a3 * b2;
  (*acc)[15] += a3 * b3;
}

@compute @workgroup_size(32, 1, 1)
fn main(
  @builtin(local_invocation_index) li: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let M = p.M;
  let K = p.K;
  let N = p.N;
  let q = li % 4u;
  let quad = li / 4u;
  let row0 = wid.y * WG_ROWS + (quad / 4u) * QM;
  let col0 = wid.x * WG_COLS + (quad % 4u) * QN;
  let colBase = col0 + q;
  let baseA = wid.z * p.strideA;
  let baseB = wid.z * p.strideB;
  let batch = wid.z;

  // (`let`, not `var`: on SwiftShader a function variable is memory, reloaded at every use.)
  let rowStep = select(K, 1u, TRANS_A);
  let kStepA = select(1u, M, TRANS_A);
  let colStep = select(1u, K, TRANS_B);
  let kStepB = select(N, 1u, TRANS_B);
  var ia: array<u32, 4>;
  var ib: array<u32, 4>;
  ia[0] = baseA + rowStep * min(row0 + q, M - 1u);
  ia[1] = baseA + rowStep * min(row0 + q + 4u, M - 1u);
  ia[2] = baseA + rowStep * min(row0 + q + 8u, M - 1u);
  ia[3] = baseA + rowStep * min(row0 + q + 12u, M - 1u);
  ib[0] = baseB + colStep * min(colBase, N - 1u);
  ib[1] = baseB + colStep * min(colBase + 4u, N - 1u);
  ib[2] = baseB + colStep * min(colBase + 8u, N - 1u);
  ib[3] = baseB + colStep * min(colBase + 12u, N - 1u);

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
  store4(batch, row0 + q + 0u, col0 + (q ^ 0u), 4u, acc[0]);
  store4(batch, row0 + q + 0u, col0 + (q ^ 1u), 4u, acc[1]);
  store4(batch, row0 + q + 0u, col0 + (q ^ 2u), 4u, acc[2]);
  store4(batch, row0 + q + 0u, col0 + (q ^ 3u), 4u, acc[3]);
  store4(batch, row0 + q + 4u, col0 + (q ^ 0u), 4u, acc[4]);
  store4(batch, row0 + q + 4u, col0 + (q ^ 1u), 4u, acc[5]);
  store4(batch, row0 + q + 4u, col0 + (q ^ 2u), 4u, acc[6]);
  store4(batch, row0 + q + 4u, col0 + (q ^ 3u), 4u, acc[7]);
  store4(batch, row0 + q + 8u, col0 + (q ^ 0u), 4u, acc[8]);
  store4(batch, row0 + q + 8u, col0 + (q ^ 1u), 4u, acc[9]);
  store4(batch, row0 + q + 8u, col0 + (q ^ 2u), 4u, acc[10]);
  store4(batch, row0 + q + 8u, col0 + (q ^ 3u), 4u, acc[11]);
  store4(batch, row0 + q + 12u, col0 + (q ^ 0u), 4u, acc[12]);
  store4(batch, row0 + q + 12u, col0 + (q ^ 1u), 4u, acc[13]);
  store4(batch, row0 + q + 12u, col0 + (q ^ 2u), 4u, acc[14]);
  store4(batch, row0 + q + 12u, col0 + (q ^ 3u), 4u, acc[15]);
}
