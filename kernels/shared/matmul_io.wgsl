// Shared by the matmul kernels (kernels/matmul.wgsl, matmul_direct.wgsl, matmul_quad.wgsl;
// `// @use matmul_io`): their one uniform Params, the output and bias bindings (see the header of
// matmul.wgsl; each kernel binds A and B as it reads them) and the epilogue.

struct Params {
  M: u32,
  K: u32,
  N: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  alpha: f32,
  beta: f32,
  flags: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

// Stores v[j] at (row, col + j colStep) for j < 4, in range only, with the epilogue
// alpha * v + bias (where the kernel's hasBias()) + beta * C.
fn store4(baseC: u32, row: u32, col: u32, colStep: u32, v: vec4<f32>) {
  if (row >= p.M) {
    return;
  }
  for (var j = 0u; j < 4u; j++) {
    let n = col + j * colStep;
    if (n >= p.N) {
      return;
    }
    let idx = baseC + row * p.N + n;
    var x = p.alpha * v[j];
    if (hasBias()) {
      x += bias[n];
    }
    if (p.beta != 0.0) {
      x += p.beta * c[idx];
    }
    c[idx] = x;
  }
}
