// Shared by the attention templates (kernels/attention_unrolled.wgsl, attention_subgroup.wgsl;
// `// @use attention_chunks`): head rows as vec4 chunks of a head size D that the kernel declares
// as a constant (`const D = 16u;`, one module per head size), so that the compiler folds the
// partial last chunk away.

// Index of qkv[b, t, slot, h, 0] (and of dqkv's).
fn qkvBase(b: u32, t: u32, slot: u32, h: u32) -> u32 {
  return (((b * p.T + t) * 3u + slot) * p.H + h) * D;
}

fn oBase(b: u32, t: u32, h: u32) -> u32 {
  return ((b * p.T + t) * p.H + h) * D;
}

// Which lanes of chunk c hold elements of the head (the last chunk is partial when 4 does not
// divide D). With D constant and c a literal at every call, the compiler folds this away.
fn inHead(c: u32) -> vec4<bool> {
  return vec4<u32>(4u * c) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(D);
}

// Chunk c of the row starting at element e, zero past D (the neighbour's elements are read, and
// then dropped, so that the four loads stay unconditional).
fn ldQkv(e: u32, c: u32) -> vec4<f32> {
  let i = e + 4u * c;
  return select(vec4<f32>(0.0), vec4<f32>(qkv[i], qkv[i + 1u], qkv[i + 2u], qkv[i + 3u]), inHead(c));
}

fn ldDout(e: u32, c: u32) -> vec4<f32> {
  let i = e + 4u * c;
  return select(vec4<f32>(0.0), vec4<f32>(dout[i], dout[i + 1u], dout[i + 2u], dout[i + 3u]), inHead(c));
}

fn ldO(e: u32, c: u32) -> vec4<f32> {
  let i = e + 4u * c;
  return select(vec4<f32>(0.0), vec4<f32>(oIn[i], oIn[i + 1u], oIn[i + 2u], oIn[i + 3u]), inHead(c));
}

// Stores the elements of chunk c that lie in the head.
fn stO(e: u32, c: u32, x: vec4<f32>) {
  let i = e + 4u * c;
  let m = inHead(c);
  o[i] = x.x;
  if (m.y) { o[i + 1u] = x.y; }
  if (m.z) { o[i + 2u] = x.z; }
  if (m.w) { o[i + 3u] = x.w; }
}

fn stDqkv(e: u32, c: u32, x: vec4<f32>) {
  let i = e + 4u * c;
  let m = inHead(c);
  dqkv[i] = x.x;
  if (m.y) { dqkv[i + 1u] = x.y; }
  if (m.z) { dqkv[i + 2u] = x.z; }
  if (m.w) { dqkv[i + 3u] = x.w; }
}

fn hsum(x: vec4<f32>) -> f32 {
  return (x.x + x.y) + (x.z + x.w);
}
