/**
 * Ops are prepared once (pipeline, uniforms and bind group created up front) and then encoded
 * any number of times. A training step encodes all its ops into one compute pass of one command
 * encoder and submits once: storage writes of one dispatch are visible to the next.
 */
import { registerBindGroup } from './accounting';
import type { KernelSource, OverrideConstants } from './pipelines';
import type { GpuContext } from './device';
import { withErrorScopes } from './errors';
import { bindingOf, releaseTensor, type GpuTensor } from './tensor';
import { createUniform, type UniformValues } from './uniforms';

export interface PreparedOp {
  /** Kernel name and purpose, for error messages and profiling. */
  readonly label: string;
  encode(pass: GPUComputePassEncoder): void;
  /** Returns the op's own pooled resources (uniform buffers) to the pool. */
  release(): void;
}

/** Encodes `ops` in order into one compute pass and submits one command buffer. */
export function submitOps(ctx: GpuContext, ops: readonly PreparedOp[], label = 'step'): void {
  const encoder = ctx.device.createCommandEncoder({ label });
  const pass = encoder.beginComputePass({ label });
  for (const op of ops) op.encode(pass);
  pass.end();
  ctx.device.queue.submit([encoder.finish()]);
}

/** Like submitOps, but waits for the GPU and throws a GpuKernelError naming the failing op. */
export async function runOps(
  ctx: GpuContext,
  ops: readonly PreparedOp[],
  label = 'ops',
): Promise<void> {
  const name = ops.map((o) => o.label).join(', ') || label;
  await withErrorScopes(ctx.device, name, () => submitOps(ctx, ops, label));
  await ctx.device.queue.onSubmittedWorkDone();
}

/** Dispatch size along one dimension, checked against the device limit. */
export function workgroupCount(
  ctx: GpuContext,
  items: number,
  perGroup: number,
  label: string,
): number {
  const n = Math.ceil(items / perGroup);
  if (n > ctx.limits.maxComputeWorkgroupsPerDimension) {
    throw new Error(
      `${label}: ${n} workgroups exceed this adapter's limit of ${ctx.limits.maxComputeWorkgroupsPerDimension} per dimension`,
    );
  }
  return Math.max(1, n);
}

/** One dispatch of an op: a pipeline, its bind group's entries and the workgroup counts. */
export interface Dispatch {
  pipeline: GPUComputePipeline;
  entries: GPUBindGroupEntry[];
  groups: readonly [number, number, number];
  /** Label of the bind group (default: the op's). */
  label?: string;
  /**
   * Bindings this configuration never touches (bound only to satisfy the layout, e.g. a matmul
   * without bias): left out of the memory accounting (accounting.ts).
   */
  unused?: readonly number[];
}

export interface DispatchSequence {
  label: string;
  /** Encoded in this order; each sees the storage writes of the ones before. */
  dispatches: readonly Dispatch[];
  /** Pooled buffers the op owns (its uniforms), returned to the pool by release(). */
  owned: GPUBuffer[];
  /** Scratch tensors the op owns, released by release(). */
  ownedTensors?: GpuTensor[];
}

/**
 * The one assembly path of the ops: bind groups created once, then every encode sets pipeline,
 * bind group and dispatch for each dispatch in order.
 */
export function dispatchOp(ctx: GpuContext, d: DispatchSequence): PreparedOp {
  const bound = d.dispatches.map((x) => {
    const bindGroup = ctx.device.createBindGroup({
      label: x.label ?? d.label,
      layout: x.pipeline.getBindGroupLayout(0),
      entries: x.entries,
    });
    registerBindGroup(
      bindGroup,
      x.entries.filter((e) => !x.unused?.includes(e.binding)),
    );
    return { pipeline: x.pipeline, groups: x.groups, bindGroup };
  });
  return {
    label: d.label,
    encode(pass) {
      for (const x of bound) {
        pass.setPipeline(x.pipeline);
        pass.setBindGroup(0, x.bindGroup);
        pass.dispatchWorkgroups(...x.groups);
      }
    },
    release() {
      for (const b of d.owned) ctx.pool.release(b);
      for (const t of d.ownedTensors ?? []) releaseTensor(ctx, t);
    },
  };
}

export interface SingleDispatch extends Dispatch {
  label: string;
  /** Pooled buffers the op owns (its uniforms), returned to the pool by release(). */
  owned: GPUBuffer[];
}

/** An op that is one dispatch of one pipeline with one bind group: most of the kernels. */
export function singleDispatchOp(ctx: GpuContext, d: SingleDispatch): PreparedOp {
  return dispatchOp(ctx, { label: d.label, dispatches: [d], owned: d.owned });
}

/** Bind-group entries for tensors, as [binding, tensor] pairs. */
export function tensorEntries(bindings: ReadonlyArray<[number, GpuTensor]>): GPUBindGroupEntry[] {
  return bindings.map(([binding, t]) => ({ binding, resource: bindingOf(t) }));
}

export interface KernelDispatch {
  kernel: KernelSource;
  entry: string;
  constants?: OverrideConstants;
  /** The kernel's `Params` by field name, written once. */
  uniforms: UniformValues;
  /** The bindings after the uniforms (tensorEntries for tensors). */
  entries: GPUBindGroupEntry[];
  groups: readonly [number, number, number];
  label: string;
  unused?: readonly number[];
}

/**
 * One dispatch of one entry point: the pipeline from the cache, the uniform buffer written once
 * (binding 0) and the bind group made once; the op owns the uniform buffer.
 */
export async function prepareKernelDispatch(
  ctx: GpuContext,
  d: KernelDispatch,
): Promise<PreparedOp> {
  const pipeline = await ctx.pipelines.get(d.kernel, d.entry, d.constants);
  const uniforms = createUniform(ctx, d.kernel, d.uniforms, d.label);
  return singleDispatchOp(ctx, {
    pipeline,
    entries: [{ binding: 0, resource: { buffer: uniforms } }, ...d.entries],
    groups: d.groups,
    label: d.label,
    owned: [uniforms],
    ...(d.unused ? { unused: d.unused } : {}),
  });
}
