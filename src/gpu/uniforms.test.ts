import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packUniform, paramsLayout, parseParams } from './uniforms';

const KERNELS = new URL('../../kernels/', import.meta.url);
const kernelFiles = readdirSync(KERNELS).filter((f) => f.endsWith('.wgsl'));

function kernel(file: string) {
  return { name: file.replace(/\.wgsl$/, ''), code: readFileSync(new URL(file, KERNELS), 'utf8') };
}

const GELU = {
  name: 'test_gelu',
  code: `struct Params {\n  n: u32,\n  scale: f32,\n  shift: i32,\n}\n@group(0) @binding(0) var<uniform> p: Params;\n`,
};

describe('paramsLayout', () => {
  it.each(kernelFiles)('reads struct Params of kernels/%s', (file) => {
    const layout = paramsLayout(kernel(file));
    expect(layout.fields.length).toBeGreaterThan(0);
    expect(layout.bytes % 16).toBe(0);
    // Scalars only: 4 bytes each, in declaration order, inside the buffer.
    layout.fields.forEach((f, i) => expect(f.offset).toBe(i * 4));
    expect(layout.fields.at(-1)!.offset + 4).toBeLessThanOrEqual(layout.bytes);
  });

  it('gives names, types and offsets in declaration order', () => {
    const layout = parseParams(kernel('adamw.wgsl'));
    expect(layout.fields.map((f) => `${f.name}:${f.type}@${f.offset}`)).toEqual([
      'beta1:f32@0',
      'beta2:f32@4',
      'lrScale:f32@8',
      'clip:f32@12',
      'invBc1:f32@16',
      'invSqrtBc2:f32@20',
      'numChunks:u32@24',
    ]);
    expect(layout.bytes).toBe(32);
  });

  it('refuses a kernel without Params at binding 0, or with a non-scalar field', () => {
    expect(() => parseParams({ name: 'bare', code: 'fn main() {}' })).toThrow(
      /bare: no "struct Params"/,
    );
    const vec = GELU.code.replace('scale: f32', 'scale: vec4<f32>');
    expect(() => parseParams({ name: 'v', code: vec })).toThrow(/v: Params\.scale is vec4/);
  });

  it('parses again when a kernel of the same name has other code', () => {
    expect(paramsLayout(GELU).fields).toHaveLength(3);
    const fewer = { name: GELU.name, code: GELU.code.replace('  shift: i32,\n', '') };
    expect(paramsLayout(fewer).fields).toHaveLength(2);
  });
});

describe('packUniform', () => {
  const layout = parseParams(GELU);
  const view = () => new DataView(new ArrayBuffer(layout.bytes));

  it('writes each field at its offset with its type', () => {
    const data = view();
    packUniform(layout, { shift: -3, n: 7, scale: 0.5 }, data);
    expect(data.getUint32(0, true)).toBe(7);
    expect(data.getFloat32(4, true)).toBe(0.5);
    expect(data.getInt32(8, true)).toBe(-3);
  });

  it('names the kernel and the field of a wrong, missing or extra name', () => {
    expect(() => packUniform(layout, { nn: 7, scale: 1, shift: 0 }, view())).toThrow(
      'test_gelu: uniform Params.n of kernel test_gelu is not set (given instead: nn)',
    );
    expect(() => packUniform(layout, { n: 7, scale: 1 }, view())).toThrow(
      /Params\.shift .* not set/,
    );
    expect(() => packUniform(layout, { n: 7, scale: 1, shift: 0, extra: 2 }, view())).toThrow(
      'test_gelu: kernel test_gelu has no uniform Params.extra',
    );
  });

  it('refuses a value its type cannot hold', () => {
    expect(() => packUniform(layout, { n: -1, scale: 1, shift: 0 }, view())).toThrow(
      /Params\.n = -1 is not a u32/,
    );
    expect(() => packUniform(layout, { n: 1, scale: 1, shift: 0.5 }, view())).toThrow(
      /Params\.shift = 0.5 is not an i32/,
    );
  });
});
