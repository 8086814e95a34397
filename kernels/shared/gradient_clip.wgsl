// Shared by the optimizer updates (kernels/adamw.wgsl, sgd.wgsl, muon.wgsl; `// @use
// gradient_clip`): the factor that clips a group's gradients to a global norm.

// torch clip_grad_norm_: min(1, clip / (norm + 1e-6)) for clip > 0, else 1, where st is the
// group's statistics from reduce.wgsl `group_stats` (st.x: sum of squares, f32 bits).
fn clipFactor(clip: f32, st: vec4<u32>) -> f32 {
  var scale = 1.0;
  if (clip > 0.0) {
    scale = min(1.0, clip / (sqrt(bitcast<f32>(st.x)) + 1e-6));
  }
  return scale;
}
