/**
 * Pipeline cache keyed by kernel name, entry point and override constants. Shader modules are
 * compiled once per kernel source; compilation errors throw naming the kernel and the line.
 */
import { registerPipeline } from './accounting';
import { GpuKernelError, withErrorScopes } from './errors';

export type OverrideConstants = Record<string, number | boolean>;

export interface KernelSource {
  /** Kernel name (the WGSL file's), used in error messages and cache keys. */
  name: string;
  code: string;
}

/** kernels/shared/NAME.wgsl by NAME: the snippets a kernel may `// @use`. */
const SHARED: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>('../../kernels/shared/*.wgsl', {
      query: '?raw',
      import: 'default',
      eager: true,
    }),
  ).map(([path, code]) => [path.replace(/^.*\/(.+)\.wgsl$/, '$1'), code]),
);

/** A line `// @use NAME` at the start of a line: the kernel needs kernels/shared/NAME.wgsl. */
const USE = /^\/\/ @use ([a-z_]+)\s*$/gm;

/** The shared snippets `code` uses, and those they use, each once, in first-use order. */
function usedSnippets(code: string, name: string, seen = new Set<string>(['prelude'])): string[] {
  const out: string[] = [];
  for (const [, used] of code.matchAll(USE)) {
    if (seen.has(used)) continue;
    const snippet = SHARED[used];
    if (snippet === undefined) {
      throw new GpuKernelError(
        name,
        'compilation',
        `// @use ${used}: no kernels/shared/${used}.wgsl`,
      );
    }
    seen.add(used);
    out.push(snippet, ...usedSnippets(snippet, name, seen));
  }
  return out;
}

/**
 * The WGSL compiled for a kernel: its file, then the shared prelude (kernels/shared/prelude.wgsl)
 * and each snippet it names by a line `// @use NAME` (kernels/shared/NAME.wgsl, and what those
 * use). Appended, not prepended, so compile errors keep the kernel file's line numbers and an
 * `enable` directive stays first.
 */
export function withPrelude(code: string, name = 'kernel'): string {
  return [code, SHARED.prelude, ...usedSnippets(code, name)].join('\n');
}

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  private async module(kernel: KernelSource): Promise<GPUShaderModule> {
    const cached = this.modules.get(kernel.name);
    if (cached) return cached;
    // The scope keeps the compile error from also surfacing as an uncaptured device error.
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({
      code: withPrelude(kernel.code, kernel.name),
      label: kernel.name,
    });
    const info = await module.getCompilationInfo();
    const scoped = await this.device.popErrorScope();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      const detail = errors.map((m) => `line ${m.lineNum}:${m.linePos} ${m.message}`).join('; ');
      throw new GpuKernelError(kernel.name, 'compilation', detail);
    }
    if (scoped) throw new GpuKernelError(kernel.name, 'compilation', scoped.message);
    this.modules.set(kernel.name, module);
    return module;
  }

  async get(
    kernel: KernelSource,
    entryPoint: string,
    constants: OverrideConstants = {},
  ): Promise<GPUComputePipeline> {
    const constantKey = Object.keys(constants)
      .sort()
      .map((k) => `${k}=${Number(constants[k])}`)
      .join(',');
    const key = `${kernel.name}:${entryPoint}:${constantKey}`;
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    const module = await this.module(kernel);
    const numeric: Record<string, number> = {};
    for (const [k, v] of Object.entries(constants)) numeric[k] = Number(v);
    // Synchronous creation inside an error scope: Dawn's Node binding aborts the process on
    // createComputePipelineAsync (webgpu 0.6.x), and pipelines are built once per run anyway.
    const pipeline = await withErrorScopes(this.device, kernel.name, () =>
      this.device.createComputePipeline({
        label: key,
        layout: 'auto',
        compute: { module, entryPoint, constants: numeric },
      }),
    );
    registerPipeline(pipeline, withPrelude(kernel.code, kernel.name));
    this.pipelines.set(key, pipeline);
    return pipeline;
  }
}
