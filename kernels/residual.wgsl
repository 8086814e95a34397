// Residual connections, elementwise over flat arrays of n values:
//
//   add:  out = a + scale * b       (out a separate buffer from a and b)
//   axpy: dst = alpha * src + beta * dst   (dst is one read_write binding; beta = 0 never reads
//         dst). With beta = 1 it is the in-place residual accumulate x += scale * b.
//
// Depth-µP multiplies each residual branch by L^-alpha: that is `scale`. The backward of
// out = a + scale * b is da = dout (the same tensor; no kernel) and db = scale * dout, which is
// axpy with beta = 0 (or beta = 1 to accumulate into an existing gradient).
//
// Bindings (group 0):
//   0 p:   uniform Params { n, alpha, beta }    all (add uses alpha as scale)
//   1 a:   storage<read>        [n]            add
//   2 b:   storage<read>        [n]            add
//   3 out: storage<read_write>  [n]            add
//   4 src: storage<read>        [n]            axpy
//   5 dst: storage<read_write>  [n]            axpy
// Dispatch: ceil(n / 256) workgroups of 256, split over (x, y) past the per-dimension limit;
// element i = (wid.x + wid.y * nwg.x) * 256 + lid.x, skipped when i >= n.

struct Params {
  n: u32,
  alpha: f32,
  beta: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> src: array<f32>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;

const WG = 256u;

@compute @workgroup_size(256, 1, 1)
fn add(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.n) {
    return;
  }
  out[i] = a[i] + p.alpha * b[i];
}

@compute @workgroup_size(256, 1, 1)
fn axpy(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let i = flatItem(lid, grid, WG);
  if (i >= p.n) {
    return;
  }
  var v = p.alpha * src[i];
  if (p.beta != 0.0) {
    v += p.beta * dst[i];
  }
  dst[i] = v;
}
