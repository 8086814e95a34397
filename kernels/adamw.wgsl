// adamw: one AdamW step over every parameter tensor of a model (or of several stacked runs) in
// ONE dispatch, with per-tensor learning rate, epsilon and decoupled weight decay (as µP sets
// them), global-norm gradient clipping per group, and a per-group skip on non-finite gradients.
//
// Layout: all parameters live in one flat f32 buffer, each tensor at an element offset; the
// gradients and both Adam moments use the same layout in buffers of their own. A group is a set
// of tensors sharing one gradient norm and one non-finite flag: one training run. Several runs
// (e.g. the learning rates of one width) stacked side by side are several groups.
//
// Bindings (group 0):
//   0 p:       uniform Params       betas, global lr scale, clip norm, bias corrections.
//   1 params:  storage<read_write>  [*] f32, updated in place.
//   2 grads:   storage<read>        [*] f32, same layout.
//   3 m:       storage<read_write>  [*] f32, first moment, same layout (zero before step 1).
//   4 v:       storage<read_write>  [*] f32, second moment, same layout (zero before step 1).
//   5 tensors: storage<read>        [numTensors] Tensor: offset, length, group, statsOnly, lr,
//                                   weight decay, eps of each tensor (offset/length describe it; the kernel
//                                   takes element ranges from the chunk table).
//   6 chunks:  storage<read>        [numChunks] vec4<u32> (start, end, group, tensor): the element
//                                   range [start, end) one workgroup updates; it lies inside one
//                                   tensor. The same table as reduce.wgsl's.
//   7 stats:   storage<read>        [groups] vec4<u32> from reduce.wgsl `group_stats`, computed
//                                   from `grads` earlier in the same command encoder: .x = sum of
//                                   squares of the group's gradients (f32 bits), .z = non-finite.
// Dispatch: numChunks workgroups of 256 laid out by flatGrid, chunk wid.x + wid.y * nwg.x.
//
// Per element of a group whose flag .z is 0 (a flagged group is left untouched: parameters and
// moments keep their values), with lr = tensor.lr * lrScale (the same order as PyTorch's AdamW):
//   c = clip > 0 ? min(1, clip / (sqrt(sumsq) + 1e-6)) : 1       (torch clip_grad_norm_)
//   g = c * grad
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   p = p (1 - lr wd) - lr invBc1 m / (sqrt(v) invSqrtBc2 + eps)
// where invBc1 = 1 / (1 - beta1^t) and invSqrtBc2 = 1 / sqrt(1 - beta2^t) are computed in float64
// on the CPU for step t (1 for the first update) and written as uniforms. t is shared by all
// groups: a group whose update was skipped still counts the step in its bias corrections.

struct Tensor {
  offset: u32,
  length: u32,
  group: u32,
  // 1: counted in the group's statistics only; another optimizer updates it (Muon).
  statsOnly: u32,
  lr: f32,
  weightDecay: f32,
  eps: f32,
  _pad1: f32,
}

struct Params {
  beta1: f32,
  beta2: f32,
  lrScale: f32,
  clip: f32,
  invBc1: f32,
  invSqrtBc2: f32,
  numChunks: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> tensors: array<Tensor>;
@group(0) @binding(6) var<storage, read> chunks: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read> stats: array<vec4<u32>>;

// The chunk to update and the gradient clip factor (kernels/shared/optimizer_update.wgsl):
// @use optimizer_update

const WG = 256u;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let ch = chunkToUpdate(grid);
  let t = tensors[ch.w];
  if (ch.x == ch.y || t.statsOnly != 0u) {
    return;
  }
  let scale = clipFactor(p.clip, stats[ch.z]);
  let lr = t.lr * p.lrScale;
  let decay = 1.0 - lr * t.weightDecay;
  let stepSize = lr * p.invBc1;
  let b1 = p.beta1;
  let b2 = p.beta2;
  let c1 = 1.0 - b1;
  let c2 = 1.0 - b2;
  for (var i = ch.x + lid; i < ch.y; i += WG) {
    let g = grads[i] * scale;
    let mi = b1 * m[i] + c1 * g;
    let vi = b2 * v[i] + c2 * (g * g);
    m[i] = mi;
    v[i] = vi;
    let denom = sqrt(vi) * p.invSqrtBc2 + t.eps;
    params[i] = params[i] * decay - stepSize * mi / denom;
  }
}
