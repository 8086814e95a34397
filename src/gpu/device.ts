/**
 * Device acquisition shared by the browser, a Web Worker and Node: given a `GPU` object
 * (navigator.gpu, or Dawn's in Node), pick an adapter, request the limits and features the
 * kernels use, and wrap the device with its buffer pool and pipeline cache.
 */
import type { AdapterSummary } from './adapter';
import { DeviceLostError, WebGpuUnavailableError } from './errors';
import { BufferPool } from './pool';
import { PipelineCache } from './pipelines';

export { adapterLabel, type AdapterSummary } from './adapter';

export interface GpuFeatures {
  /** The `subgroups` feature was granted: kernels may `enable subgroups;`. */
  subgroups: boolean;
  /**
   * The adapter's smallest subgroup size (GPUAdapterInfo.subgroupMinSize: 4 on SwiftShader, 32 on
   * most GPUs); 0 without subgroups or where the browser does not report it. A workgroup of at
   * most this many threads is always one subgroup, which the subgroup kernel variants rely on.
   */
  subgroupMinSize: number;
  timestampQuery: boolean;
  shaderF16: boolean;
}

/** The limits the kernels rely on, as granted to the device. */
export interface GpuLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBuffersPerShaderStage: number;
  minStorageBufferOffsetAlignment: number;
  minUniformBufferOffsetAlignment: number;
}

export interface GpuContext {
  device: GPUDevice;
  adapter: AdapterSummary;
  features: GpuFeatures;
  limits: GpuLimits;
  pool: BufferPool;
  pipelines: PipelineCache;
  /** Resolves when the device is lost; never rejects. */
  lost: Promise<DeviceLostError>;
  /**
   * The kernel variants tuned for this adapter (kernel, then shape class, then variant name), as
   * the tuner chose them (src/tune); absent: every op takes its kernel's thresholds. Set with
   * `withTunedVariants`, which returns a new context: the choice travels with the context a plan
   * runs on, never in module state.
   */
  readonly tuned?: VariantTable;
}

/** Tuned variant names by kernel, then by shape class (src/ops/variants.ts reads it). */
export type VariantTable = Readonly<Record<string, Readonly<Record<string, string>> | undefined>>;

/** `ctx` with `table` as its tuned variants (undefined: thresholds everywhere). */
export function withTunedVariants(ctx: GpuContext, table: VariantTable | undefined): GpuContext {
  return { ...ctx, tuned: table };
}

/** The optional WebGPU features the device asks for when the adapter has them. */
export type OptionalFeature = 'subgroups' | 'timestampQuery' | 'shaderF16';

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Turn off optional features (e.g. to test the code path without subgroups). */
  disableFeatures?: OptionalFeature[];
  /** Called once if the device is lost after acquisition, except after an explicit destroy(). */
  onDeviceLost?: (error: DeviceLostError) => void;
}

const LIMIT_NAMES: Array<keyof GpuLimits> = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'minStorageBufferOffsetAlignment',
  'minUniformBufferOffsetAlignment',
];

/** Alignment limits are minimums: a smaller value is the better one to request. */
const ALIGNMENT_LIMITS = new Set<keyof GpuLimits>([
  'minStorageBufferOffsetAlignment',
  'minUniformBufferOffsetAlignment',
]);

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const isFallback =
    // `isFallbackAdapter` is on GPUAdapterInfo in current specs, on GPUAdapter in older ones.
    Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
    Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
    /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info.architecture} ${info.description}`);
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallback,
  };
}

export async function acquireGpu(
  gpu: GPU | undefined,
  options: AcquireOptions = {},
): Promise<GpuContext> {
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'no-api',
      'This browser does not expose WebGPU (navigator.gpu is missing).',
    );
  }
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? 'high-performance',
  });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'no-adapter',
      'WebGPU is present but no GPU adapter is available (requestAdapter() returned null).',
    );
  }
  return acquireFromAdapter(adapter, options);
}

export async function acquireFromAdapter(
  adapter: GPUAdapter,
  options: AcquireOptions = {},
): Promise<GpuContext> {
  const disabled = new Set(options.disableFeatures ?? []);
  const wanted: Array<[OptionalFeature, GPUFeatureName]> = [
    ['subgroups', 'subgroups' as GPUFeatureName],
    ['timestampQuery', 'timestamp-query'],
    ['shaderF16', 'shader-f16'],
  ];
  const requiredFeatures = wanted
    .filter(([key, name]) => !disabled.has(key) && adapter.features.has(name))
    .map(([, name]) => name);

  // Ask for everything the adapter allows: the kernels size tiles and batches from these.
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'mup-lab' });
  } catch (e) {
    throw new WebGpuUnavailableError(
      'no-device',
      `The GPU adapter refused to create a device: ${(e as Error).message}`,
    );
  }

  const limits = {} as GpuLimits;
  for (const name of LIMIT_NAMES) {
    const granted = device.limits[name];
    limits[name] = typeof granted === 'number' ? granted : ALIGNMENT_LIMITS.has(name) ? 256 : 0;
  }
  const subgroups = device.features.has('subgroups');
  // On GPUAdapterInfo since subgroups shipped (Chrome 134, Dawn); older typings lack it.
  const minSize = (adapter.info as { subgroupMinSize?: number }).subgroupMinSize;
  const features: GpuFeatures = {
    subgroups,
    subgroupMinSize:
      subgroups && typeof minSize === 'number' && Number.isInteger(minSize) && minSize > 0
        ? minSize
        : 0,
    timestampQuery: device.features.has('timestamp-query'),
    shaderF16: device.features.has('shader-f16'),
  };

  const lost = device.lost.then((info) => {
    const error = new DeviceLostError(info.reason ?? 'unknown', info.message || 'no detail given');
    if (info.reason !== 'destroyed') options.onDeviceLost?.(error);
    return error;
  });

  return {
    device,
    adapter: summarizeAdapter(adapter),
    features,
    limits,
    pool: new BufferPool(device),
    pipelines: new PipelineCache(device),
    lost,
  };
}

/** Frees every pooled buffer and destroys the device. */
export function releaseGpu(ctx: GpuContext): void {
  ctx.pool.destroyAll();
  ctx.device.destroy();
}
