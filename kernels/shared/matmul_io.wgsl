// Shared by the matmul kernels (kernels/matmul.wgsl, matmul_direct.wgsl, matmul_quad.wgsl;
// `// @use matmul_io`): their one uniform Params, the output, bias and GELU bindings (see the
// header of matmul.wgsl; each kernel binds A and B as it reads them) and the epilogue.
// Each kernel defines hasBias() and epilogue() (one of the EPILOGUE_* below) from its flags or
// override constants.

struct Params {
  M: u32,
  K: u32,
  N: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  // Elements between two batches' biases; 0 shares one bias [N] across the batch.
  strideBias: u32,
  alpha: f32,
  beta: f32,
  flags: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
// EPILOGUE_GELU: gelu(C) is written here, laid out as C.
@group(0) @binding(5) var<storage, read_write> geluOut: array<f32>;
// EPILOGUE_GELU_GRAD: the GELU's input u, laid out as C; C is multiplied by gelu'(u).
@group(0) @binding(6) var<storage, read> geluIn: array<f32>;

// gelu, geluSlope (kernels/shared/gelu_math.wgsl):
// @use gelu_math

const EPILOGUE_NONE = 0u;
// Also writes geluOut = gelu(C): the MLP's first matmul, u = x W + b and g = gelu(u) in one pass.
const EPILOGUE_GELU = 1u;
// C = (alpha op(A) op(B) + bias + beta C) * gelu'(geluIn): the dX matmul of the MLP's second
// matmul writes dU = dG * gelu'(u) with no dG pass.
const EPILOGUE_GELU_GRAD = 2u;

// Stores v[j] at (row, col + j colStep) of batch `batch` for j < 4, in range only, with the
// epilogue x = alpha * v + bias[batch] (where hasBias()) + beta * C, then the GELU epilogue.
fn store4(batch: u32, row: u32, col: u32, colStep: u32, v: vec4<f32>) {
  if (row >= p.M) {
    return;
  }
  let baseC = batch * p.strideC;
  let baseBias = batch * p.strideBias;
  for (var j = 0u; j < 4u; j++) {
    let n = col + j * colStep;
    if (n >= p.N) {
      return;
    }
    let idx = baseC + row * p.N + n;
    var x = p.alpha * v[j];
    if (hasBias()) {
      x += bias[baseBias + n];
    }
    if (p.beta != 0.0) {
      x += p.beta * c[idx];
    }
    if (epilogue() == EPILOGUE_GELU_GRAD) {
      x *= geluSlope(geluIn[idx]);
    }
    c[idx] = x;
    if (epilogue() == EPILOGUE_GELU) {
      geluOut[idx] = gelu(x);
    }
  }
}
