// sgd: one step of SGD with heavy-ball momentum over every parameter tensor of a model (or of
// several stacked runs) in ONE dispatch, with per-tensor learning rate and decoupled weight decay
// (as µP sets them, src/mup/rules.ts sgdLr), global-norm gradient clipping per group and a
// per-group skip on non-finite gradients: the same tables and statistics as adamw.wgsl.
//
// Bindings (group 0):
//   0 p:       uniform Params       momentum, global lr scale, clip norm, number of chunks.
//   1 params:  storage<read_write>  [*] f32, updated in place.
//   2 grads:   storage<read>        [*] f32, same layout.
//   3 buf:     storage<read_write>  [*] f32, the momentum buffer, same layout (zero before step 1).
//   4 tensors: storage<read>        [numTensors] Tensor: offset, length, group, lr, weight decay
//                                   of each tensor (the kernel takes element ranges from chunks).
//   5 chunks:  storage<read>        [numChunks] vec4<u32> (start, end, group, tensor): the element
//                                   range [start, end) one workgroup updates (reduce.wgsl's table).
//   6 stats:   storage<read>        [groups] vec4<u32> from reduce.wgsl `group_stats` over `grads`,
//                                   earlier in the same command encoder: .x = sum of squares of
//                                   the group's gradients (f32 bits), .z = non-finite flag.
// Dispatch: numChunks workgroups of 256 laid out by flatGrid, chunk wid.x + wid.y * nwg.x.
//
// Per element of a group whose flag .z is 0 (a flagged group keeps its parameters and buffer),
// with lr = tensor.lr * lrScale, in torch.optim.SGD's order (dampening 0, not Nesterov; its first
// step sets buf = g, which mu * 0 + g is exactly):
//   c = clip > 0 ? min(1, clip / (sqrt(sumsq) + 1e-6)) : 1       (torch clip_grad_norm_)
//   buf = momentum buf + c grad
//   p = p (1 - lr wd) - lr buf

struct Tensor {
  offset: u32,
  length: u32,
  group: u32,
  _pad0: u32,
  lr: f32,
  weightDecay: f32,
  _pad1: f32,
  _pad2: f32,
}

struct Params {
  momentum: f32,
  lrScale: f32,
  clip: f32,
  numChunks: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;
@group(0) @binding(4) var<storage, read> tensors: array<Tensor>;
@group(0) @binding(5) var<storage, read> chunks: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> stats: array<vec4<u32>>;

// The chunk to update and the gradient clip factor (kernels/shared/optimizer_update.wgsl):
// @use optimizer_update

const WG = 256u;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_index) lid: u32, grid: FlatGrid) {
  let ch = chunkToUpdate(grid);
  let t = tensors[ch.w];
  if (ch.x == ch.y) {
    return;
  }
  let scale = clipFactor(p.clip, stats[ch.z]);
  let lr = t.lr * p.lrScale;
  let decay = 1.0 - lr * t.weightDecay;
  let mu = p.momentum;
  for (var i = ch.x + lid; i < ch.y; i += WG) {
    let b = mu * buf[i] + grads[i] * scale;
    buf[i] = b;
    params[i] = params[i] * decay - lr * b;
  }
}
