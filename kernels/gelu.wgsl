// GELU, tanh form, elementwise over a flat array of n values, and its backward.
//
//   forward:  y  = 0.5 x (1 + tanh(z)),  z = sqrt(2 / pi) (x + 0.044715 x^3)
//   backward: dx = dy * (0.5 (1 + tanh(z)) + 0.5 x (1 - tanh(z)^2) dz/dx),
//             dz/dx = sqrt(2 / pi) (1 + 3 * 0.044715 x^2)
//
// With s = 1 - tanh(|z|) = 2 / (exp(2 |z|) + 1), the kernel uses 1 + tanh(z) = 2 - s (z >= 0)
// or s (z < 0) and 1 - tanh(z)^2 = s (2 - s): no cancellation in either tail, the same result
// on every backend (WGSL leaves the built-in tanh's accuracy loose), and no overflow: |z| is
// clamped to 40 (s = 4e-35) and x to +-100 inside z and dz/dx (|z| > 40 there already), which
// changes y by at most 1e-34 |x| and dx by at most 1e-29 |dy|, where the true values underflow.
//
// Bindings (group 0):
//   0 p:  uniform Params { n }                 all
//   1 x:  storage<read>        [n]             forward, backward
//   2 y:  storage<read_write>  [n]             forward
//   3 dy: storage<read>        [n]             backward
//   4 dx: storage<read_write>  [n]             backward
// Dispatch: ceil(n / 256) workgroups of 256, split over (x, y) past the per-dimension limit;
// element i = (wid.x + wid.y * nwg.x) * 256 + lid.x, skipped when i >= n.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

const WG = 256u;
const SQRT_2_OVER_PI = 0.7978845608028654;
const C = 0.044715;

struct Tanh {
  onePlus: f32, // 1 + tanh(z)
  sech2: f32, // 1 - tanh(z)^2
  dz: f32, // dz / dx
}

fn tanhParts(v: f32) -> Tanh {
  let vc = clamp(v, -100.0, 100.0);
  let v2 = vc * vc;
  let z = SQRT_2_OVER_PI * vc * (1.0 + C * v2);
  let s = 2.0 / (exp(2.0 * min(abs(z), 40.0)) + 1.0);
  return Tanh(select(2.0 - s, s, z < 0.0), s * (2.0 - s), SQRT_2_OVER_PI * (1.0 + 3.0 * C * v2));
}

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.n) {
    return;
  }
  let v = x[i];
  y[i] = 0.5 * v * tanhParts(v).onePlus;
}

@compute @workgroup_size(256, 1, 1)
fn backward(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.n) {
    return;
  }
  // Past |x| = 100 the second term is below 1e-30 and x itself is clamped in it.
  let v = clamp(x[i], -100.0, 100.0);
  let t = tanhParts(v);
  dx[i] = dy[i] * (0.5 * t.onePlus + 0.5 * v * t.sech2 * t.dz);
}
