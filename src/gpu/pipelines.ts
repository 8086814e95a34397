/**
 * Pipeline cache keyed by kernel name, entry point and override constants. Shader modules are
 * compiled once per kernel source; compilation errors throw naming the kernel and the line.
 */
import pairSumWgsl from '../../kernels/pair_sum.wgsl?raw';
import preludeWgsl from '../../kernels/prelude.wgsl?raw';
import { registerPipeline } from './accounting';
import { GpuKernelError, withErrorScopes } from './errors';

export type OverrideConstants = Record<string, number | boolean>;

export interface KernelSource {
  /** Kernel name (the WGSL file's), used in error messages and cache keys. */
  name: string;
  code: string;
}

/** A kernel that sums pairwise declares its term type; the pair-sum helpers are joined to it. */
const PAIR_TERM = /^alias PairTerm\b/m;

/**
 * The WGSL compiled for a kernel: its file, then the shared prelude (kernels/prelude.wgsl) and,
 * where it declares `alias PairTerm`, the pair sum (kernels/pair_sum.wgsl). Appended, not
 * prepended, so compile errors keep the kernel file's line numbers.
 */
export function withPrelude(code: string): string {
  const parts = [code, preludeWgsl];
  if (PAIR_TERM.test(code)) parts.push(pairSumWgsl);
  return parts.join('\n');
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
      code: withPrelude(kernel.code),
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
    registerPipeline(pipeline, withPrelude(kernel.code));
    this.pipelines.set(key, pipeline);
    return pipeline;
  }
}
