// muon: the elementwise halves of a Muon step over the hidden matrices of one or more stacked runs
// (src/train/optimizers/muon.ts); the orthogonalization between them is newton_schulz.wgsl and the
// matmul kernels (src/ops/newtonSchulz.ts). Keller Jordan's muon_update (github.com/KellerJordan/
// Muon), with the lab's per-run gradient clip and non-finite skip (as adamw.wgsl):
//
//   `momentum`: g = c·grad;  buf = lerp(buf, g, 1 - μ);  U = lerp(g, buf, μ)     (Nesterov)
//   `apply`:    p = p·(1 - lr·wd) - lr·scale·O,  O = NewtonSchulz(U)
//
// with lr = matrix.lr · lrScale, c = clip > 0 ? min(1, clip / (norm + 1e-6)) : 1 from the run's
// gradient statistics (reduce.wgsl over every gradient of the run, .x = sum of squares, .z = the
// non-finite flag: a flagged run's buffers and parameters keep their values).
//
// Bindings (group 0):
//   0 p:        uniform Params
//   1 params:   storage<read_write>  [*] f32, the flat parameters (`apply`).
//   2 grads:    storage<read>        [*] f32, same layout (`momentum`).
//   3 buf:      storage<read_write>  [*] f32, momentum, same layout, zero before step 1.
//   4 work:     storage<read_write>  [*] f32, U (`momentum` writes) / O (`apply` reads): the
//                                    matrices packed dense, matrix i from element matrix.work.
//   5 matrices: storage<read>        [n] Matrix: where each matrix lies in params and in work.
//   6 chunks:   storage<read>        [numChunks] vec4<u32> (start, end, matrix, _): element ranges
//                                    of `work` inside one matrix.
//   7 stats:    storage<read>        [runs] vec4<u32> from reduce.wgsl `group_stats`.
// Dispatch: numChunks workgroups of 256 laid out by flatGrid.

struct Matrix {
  // Element offset of the matrix's (0, 0) in params, and its row stride there.
  param: u32,
  ld: u32,
  cols: u32,
  // Element offset in work (dense rows x cols).
  work: u32,
  group: u32,
  lr: f32,
  weightDecay: f32,
  scale: f32,
}

struct Params {
  momentum: f32,
  clip: f32,
  lrScale: f32,
  numChunks: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;
@group(0) @binding(4) var<storage, read_write> work: array<f32>;
@group(0) @binding(5) var<storage, read> matrices: array<Matrix>;
@group(0) @binding(6) var<storage, read> chunks: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read> stats: array<vec4<u32>>;

// The chunk to update and the gradient clip factor (kernels/shared/optimizer_update.wgsl):
// @use optimizer_update

const WG = 256u;

fn paramIndex(mt: Matrix, i: u32) -> u32 {
  let local = i - mt.work;
  return mt.param + (local / mt.cols) * mt.ld + local % mt.cols;
}

@compute @workgroup_size(256, 1, 1)
fn momentum(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let c = flatGroup(grid);
  if (c >= p.numChunks) {
    return;
  }
  let ch = chunks[c];
  let mt = matrices[ch.z];
  let st = stats[mt.group];
  if (st.z != 0u) {
    return;
  }
  let scale = clipFactor(p.clip, st);
  let mu = p.momentum;
  for (var i = ch.x + lid; i < ch.y; i += WG) {
    let j = paramIndex(mt, i);
    let g = grads[j] * scale;
    let b = buf[j];
    let nb = b + (1.0 - mu) * (g - b);
    buf[j] = nb;
    work[i] = g + mu * (nb - g);
  }
}

@compute @workgroup_size(256, 1, 1)
fn apply(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let c = flatGroup(grid);
  if (c >= p.numChunks) {
    return;
  }
  let ch = chunks[c];
  let mt = matrices[ch.z];
  if (stats[mt.group].z != 0u) {
    return;
  }
  let lr = mt.lr * p.lrScale;
  let decay = 1.0 - lr * mt.weightDecay;
  let step = lr * mt.scale;
  for (var i = ch.x + lid; i < ch.y; i += WG) {
    let j = paramIndex(mt, i);
    params[j] = params[j] * decay - step * work[i];
  }
}
