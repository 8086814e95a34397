/**
 * Uniforms declared once: a kernel's WGSL `struct Params` (bound at @group(0) @binding(0)) is the
 * one source of its uniform layout. The struct is read with wgsl_reflect (field names, scalar
 * types, offsets, size), once per kernel source, and ops fill it by field name: a missing or
 * unknown field, or a value its type cannot hold, throws naming the kernel and the field.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { BufferUsage } from './constants';
import type { GpuContext } from './device';
import { withPrelude, type KernelSource } from './pipelines';

export type UniformScalar = 'u32' | 'i32' | 'f32';

export interface UniformField {
  readonly name: string;
  readonly type: UniformScalar;
  /** Byte offset in the struct. */
  readonly offset: number;
}

export interface UniformLayout {
  /** The kernel whose `Params` this is, for error messages. */
  readonly kernel: string;
  readonly fields: readonly UniformField[];
  /** Bytes of the uniform buffer: the struct's size rounded up to 16. */
  readonly bytes: number;
}

/** Values of a `Params` struct, one per field, by name. */
export type UniformValues = Readonly<Record<string, number>>;

const PARAMS_STRUCT = /^struct Params\s*\{[\s\S]*?^\}/m;
const PARAMS_BINDING = /^@group\(0\)\s*@binding\(0\)\s*var<uniform>\s*\w+\s*:\s*Params\s*;/m;
const SCALARS: ReadonlySet<string> = new Set(['u32', 'i32', 'f32']);

/**
 * Reads `struct Params` of `kernel`. Only the struct and its binding are handed to the parser:
 * kernels that are templates (src/ops/wgslTemplate.ts) are not valid WGSL before specialisation.
 */
export function parseParams(kernel: KernelSource): UniformLayout {
  // With its shared snippets: a family of kernels may declare one Params in kernels/shared.
  const code = withPrelude(kernel.code, kernel.name);
  const struct = PARAMS_STRUCT.exec(code);
  const binding = PARAMS_BINDING.exec(code);
  if (!struct || !binding) {
    throw new Error(
      `${kernel.name}: no "struct Params" bound at @group(0) @binding(0) var<uniform>`,
    );
  }
  let reflected;
  try {
    reflected = new WgslReflect(`${struct[0]}\n${binding[0]}\n`);
  } catch (e) {
    throw new Error(`${kernel.name}: struct Params does not parse: ${(e as Error).message}`);
  }
  const uniform = reflected.uniforms[0];
  const members = uniform?.members;
  if (!uniform || !members) throw new Error(`${kernel.name}: struct Params has no fields`);
  const fields = members.map((m): UniformField => {
    if (!SCALARS.has(m.type.name)) {
      throw new Error(
        `${kernel.name}: Params.${m.name} is ${m.type.name}; only u32, i32 and f32 fields are supported`,
      );
    }
    return { name: m.name, type: m.type.name as UniformScalar, offset: m.offset };
  });
  return { kernel: kernel.name, fields, bytes: Math.max(16, Math.ceil(uniform.size / 16) * 16) };
}

// Keyed by kernel name; the code is kept so that a different source under the same name
// (a test's kernel) is parsed again rather than served a stale layout.
const layouts = new Map<string, { code: string; layout: UniformLayout }>();

/** The `Params` layout of `kernel`, parsed on first use and cached. */
export function paramsLayout(kernel: KernelSource): UniformLayout {
  const cached = layouts.get(kernel.name);
  if (cached && cached.code === kernel.code) return cached.layout;
  const layout = parseParams(kernel);
  layouts.set(kernel.name, { code: kernel.code, layout });
  return layout;
}

/** Writes `values` into `into` at the fields' offsets; throws on a missing or unknown field. */
export function packUniform(
  layout: UniformLayout,
  values: UniformValues,
  into: DataView,
  label = layout.kernel,
): void {
  let given = 0;
  for (const { name, type, offset } of layout.fields) {
    const value = values[name];
    if (value === undefined) {
      const unknown = unknownFields(layout, values);
      throw new Error(
        `${label}: uniform Params.${name} of kernel ${layout.kernel} is not set` +
          (unknown.length > 0 ? ` (given instead: ${unknown.join(', ')})` : ''),
      );
    }
    given++;
    if (type === 'f32') into.setFloat32(offset, value, true);
    else if (type === 'i32') {
      if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
        throw new Error(`${label}: uniform Params.${name} = ${value} is not an i32`);
      }
      into.setInt32(offset, value, true);
    } else {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new Error(`${label}: uniform Params.${name} = ${value} is not a u32`);
      }
      into.setUint32(offset, value, true);
    }
  }
  // Counting keeps the write free of allocation; the names are looked up only to report.
  if (given !== Object.keys(values).length) {
    const unknown = unknownFields(layout, values);
    throw new Error(
      `${label}: kernel ${layout.kernel} has no uniform Params.${unknown.join(', Params.')}`,
    );
  }
}

function unknownFields(layout: UniformLayout, values: UniformValues): string[] {
  return Object.keys(values).filter((k) => !layout.fields.some((f) => f.name === k));
}

/** A kernel's uniform buffer, kept by its op and rewritten by name (no allocation per write). */
export interface UniformBlock {
  readonly buffer: GPUBuffer;
  /** Packs all of `values` and writes them for the next submission (queue.writeBuffer). */
  write(values: UniformValues): void;
}

/** A uniform buffer for `kernel`'s `Params` from the pool; nothing written until `write`. */
export function createUniformBlock(
  ctx: GpuContext,
  kernel: KernelSource,
  label: string,
): UniformBlock {
  const layout = paramsLayout(kernel);
  const data = new DataView(new ArrayBuffer(layout.bytes));
  const buffer = ctx.pool.acquire(
    layout.bytes,
    BufferUsage.UNIFORM | BufferUsage.COPY_DST,
    `${label}:uniforms`,
  );
  return {
    buffer,
    write(values) {
      packUniform(layout, values, data, label);
      ctx.device.queue.writeBuffer(buffer, 0, data.buffer);
    },
  };
}

/** A uniform buffer for `kernel`'s `Params` from the pool, written once with `values`. */
export function createUniform(
  ctx: GpuContext,
  kernel: KernelSource,
  values: UniformValues,
  label: string,
): GPUBuffer {
  const block = createUniformBlock(ctx, kernel, label);
  try {
    block.write(values);
  } catch (e) {
    ctx.pool.release(block.buffer);
    throw e;
  }
  return block.buffer;
}
