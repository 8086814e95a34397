// GELU, tanh form, and its derivative: the one statement of the math that kernels/gelu.wgsl and
// the matmul epilogue (kernels/shared/matmul_io.wgsl) share (`// @use gelu_math`).
//
//   gelu(x)  = 0.5 x (1 + tanh(z)),  z = sqrt(2 / pi) (x + 0.044715 x^3)
//   gelu'(x) = 0.5 (1 + tanh(z)) + 0.5 x (1 - tanh(z)^2) dz/dx,
//              dz/dx = sqrt(2 / pi) (1 + 3 * 0.044715 x^2)
//
// With s = 1 - tanh(|z|) = 2 / (exp(2 |z|) + 1), 1 + tanh(z) = 2 - s (z >= 0) or s (z < 0) and
// 1 - tanh(z)^2 = s (2 - s): no cancellation in either tail, the same result on every backend
// (WGSL leaves the built-in tanh's accuracy loose), and no overflow: |z| is clamped to 40
// (s = 4e-35) and x to +-100 inside z and dz/dx (|z| > 40 there already), which changes gelu by
// at most 1e-34 |x| and gelu' by at most 1e-29, where the true values underflow.

const GELU_SQRT_2_OVER_PI = 0.7978845608028654;
const GELU_C = 0.044715;

struct GeluTanh {
  onePlus: f32, // 1 + tanh(z)
  sech2: f32, // 1 - tanh(z)^2
  dz: f32, // dz / dx
}

fn geluTanhParts(v: f32) -> GeluTanh {
  let vc = clamp(v, -100.0, 100.0);
  let v2 = vc * vc;
  let z = GELU_SQRT_2_OVER_PI * vc * (1.0 + GELU_C * v2);
  let s = 2.0 / (exp(2.0 * min(abs(z), 40.0)) + 1.0);
  return GeluTanh(
    select(2.0 - s, s, z < 0.0),
    s * (2.0 - s),
    GELU_SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * v2),
  );
}

fn gelu(v: f32) -> f32 {
  return 0.5 * v * geluTanhParts(v).onePlus;
}

// gelu'(x); past |x| = 100 the second term is below 1e-30 and x itself is clamped in it.
fn geluSlope(x: f32) -> f32 {
  let v = clamp(x, -100.0, 100.0);
  let t = geluTanhParts(v);
  return 0.5 * t.onePlus + 0.5 * v * t.sech2 * t.dz;
}
