// Shared by the optimizer updates (kernels/adamw.wgsl, sgd.wgsl, muon.wgsl; `// @use
// optimizer_update`), which bind the chunk table `chunks` and the gradient statistics `stats` of
// reduce.wgsl and have the chunk count in p.numChunks.

// The chunk (start, end, group, tensor) that workgroup `grid` updates: an empty one (all zero)
// past the last chunk or when its group's gradients (or their norm) were not finite.
fn chunkToUpdate(grid: FlatGrid) -> vec4<u32> {
  let c = flatGroup(grid);
  if (c >= p.numChunks || stats[chunks[c].z].z != 0u) {
    return vec4<u32>(0u);
  }
  return chunks[c];
}

// torch clip_grad_norm_: min(1, clip / (norm + 1e-6)) for clip > 0, else 1, where st is the
// group's statistics from reduce.wgsl `group_stats` (st.x: sum of squares, f32 bits).
fn clipFactor(clip: f32, st: vec4<u32>) -> f32 {
  var scale = 1.0;
  if (clip > 0.0) {
    scale = min(1.0, clip / (sqrt(bitcast<f32>(st.x)) + 1e-6));
  }
  return scale;
}
