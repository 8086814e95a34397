/**
 * Typed wrapper of the matmul kernels: shape checks, variant choice, dispatch sizes, bindings.
 *
 * Variants (same contract, see the kernels' headers):
 * - 'direct'   kernels/matmul_direct.wgsl: barrier-free, 8x8 outputs per thread read straight
 *              from storage; 32x64 per workgroup of 8x4.
 * - 'quad'     kernels/matmul_quad.wgsl: barrier-free, 4x16 outputs per thread; the 4 threads of
 *              a quad pass their columns of B round by quad swaps, so each issues half the
 *              loads per multiply-add of 'direct'. Needs the `subgroups` feature; 32x64 per workgroup.
 * - 'tiled64'  kernels/matmul.wgsl with WG = 8: 64x64 tile per workgroup, 8x8 per thread,
 *              workgroup memory, one barrier per k slice of 8.
 * - 'tiled128' the same with WG = 16: 128x128 tile per workgroup.
 * The tiled kernel loads whole vec4s with no bounds checks (FAST) when the shape allows it.
 * Every variant shares the epilogue (kernels/shared/matmul_io.wgsl): a bias per batch, and the
 * GELU epilogues (geluOut, geluIn) that src/ops/matmulGelu.ts fuses the MLP's GELU with.
 *
 * Choice (chooseMatmulVariant), from bench/RESULTS.md measurements:
 * - CPU fallback adapters (SwiftShader): 'quad' for every shape when the device has subgroups,
 *   else 'direct'. There a barrier makes each 4-lane subgroup a coroutine and workgroup memory
 *   buys nothing ('direct' measured 3-10x the tiled variants), and every storage load with a
 *   computed index is an emulated 4-lane gather: 'quad', with half the gathers per multiply-add,
 *   measured 1.23x 'direct' (geomean; 0.99-1.40x, dW shapes 1.10-1.36x) in the same run.
 * - GPUs: 'tiled128' when it still gives at least 64 workgroups, else 'tiled64' (more, smaller
 *   workgroups for the thin transformer shapes). Not yet measured on a GPU: rerun
 *   `npm run bench -- kernels` there and revise.
 * These are the thresholds; a tuned choice for the adapter (src/tune) takes precedence.
 */
import matmulWgsl from '../../kernels/matmul.wgsl?raw';
import matmulDirectWgsl from '../../kernels/matmul_direct.wgsl?raw';
import matmulQuadWgsl from '../../kernels/matmul_quad.wgsl?raw';
import {
  bindingOf,
  BufferUsage,
  workgroupCount,
  type AdapterSummary,
  type VariantTable,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
  type KernelSource,
  type OverrideConstants,
  prepareKernelDispatch,
} from '../gpu';
import { checkDims, checkNoAliasing, needTensor } from './shapes';
import { chooseVariant, type VariantRegistry } from './variants';

export const MATMUL_KERNEL = { name: 'matmul', code: matmulWgsl };
export const MATMUL_DIRECT_KERNEL = { name: 'matmul_direct', code: matmulDirectWgsl };
export const MATMUL_QUAD_KERNEL = { name: 'matmul_quad', code: matmulQuadWgsl };

export const MATMUL_VARIANTS = ['direct', 'quad', 'tiled64', 'tiled128'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

export interface MatmulArgs {
  a: GpuTensor;
  b: GpuTensor;
  /** Output (and input when beta != 0). */
  c: GpuTensor;
  m: number;
  k: number;
  n: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  /** Per-batch element strides; 0 broadcasts one matrix over the batch. Default: dense. */
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** Bias [n] added to every row of C; batch z reads it from element z · strideBias. */
  bias?: GpuTensor;
  /** Elements between two batches' biases (a run's parameters); default 0: one shared bias. */
  strideBias?: number;
  /**
   * GELU epilogue: also write gelu(C) here, laid out as C (the MLP's u = x W + b and g = gelu(u)
   * in one pass). Not with geluIn.
   */
  geluOut?: GpuTensor;
  /**
   * GELU-backward epilogue: the GELU's input u, laid out as C; C is multiplied by gelu'(u)
   * (dU = dG · gelu'(u) straight from the dX matmul, no dG pass). Not with geluOut.
   */
  geluIn?: GpuTensor;
  alpha?: number;
  /** beta = 1 accumulates into C (gradient accumulation). */
  beta?: number;
  label?: string;
  /** Force a kernel variant (tests, benchmarks); default: chooseMatmulVariant. */
  variant?: MatmulVariant;
}

/**
 * The shape facts the variant choice looks at. k and the transposes are optional for the
 * thresholds, but a tuned choice is stored per full shape (prepareMatmul always passes them).
 */
export interface MatmulProblem {
  m: number;
  n: number;
  batch?: number;
  k?: number;
  transA?: boolean;
  transB?: boolean;
  /**
   * Whether the device has the `subgroups` feature, which the 'quad' variant needs (a device
   * fact, not part of the shape class; prepareMatmul passes ctx.features.subgroups).
   */
  subgroups?: boolean;
}

/** The epilogue after bias and beta (EPILOGUE_* in kernels/shared/matmul_io.wgsl). */
const EPILOGUE_NONE = 0;
const EPILOGUE_GELU = 1;
const EPILOGUE_GELU_GRAD = 2;

/** Minimum workgroup count for which 128x128 tiles are preferred on a GPU. */
const TILED128_MIN_GROUPS = 64;

export const MATMUL_VARIANT_REGISTRY: VariantRegistry<MatmulVariant, MatmulProblem> = {
  kernel: 'matmul',
  variants: {
    direct: {},
    quad: { applies: (env) => env.features.subgroups },
    tiled64: {},
    tiled128: {},
  },
  shapeClass: (s) =>
    `${s.m}x${s.k ?? '?'}x${s.n}` +
    `${(s.batch ?? 1) > 1 ? ` b${s.batch}` : ''}${s.transA ? ' tA' : ''}${s.transB ? ' tB' : ''}`,
  threshold(adapter, s) {
    if (adapter.isFallback) return s.subgroups ? 'quad' : 'direct';
    const groups128 = Math.ceil(s.m / 128) * Math.ceil(s.n / 128) * (s.batch ?? 1);
    return groups128 >= TILED128_MIN_GROUPS ? 'tiled128' : 'tiled64';
  },
};

/** The variant `tuned` (the context's table) names for this shape, else the thresholds'. */
export function chooseMatmulVariant(
  adapter: AdapterSummary,
  s: MatmulProblem,
  tuned?: VariantTable,
): MatmulVariant {
  return chooseVariant(MATMUL_VARIANT_REGISTRY, adapter, s, tuned);
}

/**
 * A tensor's bytes as an array<vec4<f32>> binding: the size rounded up to 16 bytes, which pool
 * buffers (sizes rounded to 16, aligned offsets) always hold. Undefined if the buffer cannot.
 */
function vec4BindingOf(t: GpuTensor): GPUBufferBinding | undefined {
  const size = Math.max(16, Math.ceil((t.length * 4) / 16) * 16);
  if (t.offset % 16 !== 0 || t.offset + size > t.buffer.size) return undefined;
  return { buffer: t.buffer, offset: t.offset, size };
}

/**
 * A 16-byte storage buffer per device for the geluOut binding of a matmul without the GELU
 * epilogue: the kernel never writes it, but WebGPU refuses two writable bindings of one buffer
 * (C itself) in a dispatch. Lives as long as the device.
 */
const writablePlaceholders = new WeakMap<GPUDevice, GPUBuffer>();
function writablePlaceholder(ctx: GpuContext): GPUBufferBinding {
  let buffer = writablePlaceholders.get(ctx.device);
  if (!buffer) {
    buffer = ctx.device.createBuffer({
      size: 16,
      usage: BufferUsage.STORAGE,
      label: 'matmul geluOut placeholder (never written)',
    });
    writablePlaceholders.set(ctx.device, buffer);
  }
  return { buffer, offset: 0, size: 16 };
}

export async function prepareMatmul(ctx: GpuContext, args: MatmulArgs): Promise<PreparedOp> {
  const { m, k, n } = args;
  const batch = args.batch ?? 1;
  const label = args.label ?? `matmul ${m}x${k}x${n}`;
  checkDims(label, { m, k, n, batch });
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  const strideA = args.strideA ?? m * k;
  const strideB = args.strideB ?? k * n;
  const strideC = args.strideC ?? m * n;
  needTensor(label, 'A', args.a, (batch - 1) * strideA + m * k);
  needTensor(label, 'B', args.b, (batch - 1) * strideB + k * n);
  needTensor(label, 'C', args.c, (batch - 1) * strideC + m * n);
  const strideBias = args.strideBias ?? 0;
  if (args.bias) needTensor(label, 'bias', args.bias, (batch - 1) * strideBias + n);
  const cLength = (batch - 1) * strideC + m * n;
  if (args.geluOut) needTensor(label, 'geluOut', args.geluOut, cLength);
  if (args.geluIn) needTensor(label, 'geluIn', args.geluIn, cLength);
  if (args.geluOut && args.geluIn) throw new Error(`${label}: geluOut and geluIn together`);
  if (args.geluOut && args.geluOut.buffer === args.c.buffer) {
    throw new Error(`${label}: C and geluOut share a GPU buffer`);
  }
  checkNoAliasing(
    label,
    { C: args.c, geluOut: args.geluOut },
    { A: args.a, B: args.b, bias: args.bias, geluIn: args.geluIn },
  );
  if (strideC > 0 && strideC < m * n) throw new Error(`${label}: batches of C overlap`);

  let variant =
    args.variant ??
    chooseMatmulVariant(
      ctx.adapter,
      {
        m,
        n,
        batch,
        k,
        transA,
        transB,
        subgroups: ctx.features.subgroups,
      },
      ctx.tuned,
    );
  if (variant === 'quad' && !ctx.features.subgroups) {
    // A tuned table from a device of this adapter that had the feature (or a forced variant).
    if (args.variant) throw new Error(`${label}: variant quad needs the subgroups feature`);
    variant = 'direct';
  }
  const a4 = vec4BindingOf(args.a);
  const b4 = vec4BindingOf(args.b);
  if ((variant === 'tiled64' || variant === 'tiled128') && !(a4 && b4)) {
    // Only reachable with a hand-made tensor whose buffer ends inside its last vec4.
    if (args.variant) throw new Error(`${label}: A or B cannot be bound as vec4s for ${variant}`);
    variant = 'direct';
  }

  let kernel: KernelSource;
  let constants: OverrideConstants;
  let groups: [number, number, number];
  let flags = 0;
  const hasBias = args.bias !== undefined;
  const epilogue = args.geluOut ? EPILOGUE_GELU : args.geluIn ? EPILOGUE_GELU_GRAD : EPILOGUE_NONE;
  const tiled = variant === 'tiled64' || variant === 'tiled128';
  if (!tiled) {
    // 'direct' and 'quad': the same bindings, overrides and 32 x 64 workgroup tiles.
    kernel = variant === 'quad' ? MATMUL_QUAD_KERNEL : MATMUL_DIRECT_KERNEL;
    constants = { TRANS_A: transA, TRANS_B: transB, HAS_BIAS: hasBias, EPILOGUE: epilogue };
    groups = [
      workgroupCount(ctx, n, 64, label),
      workgroupCount(ctx, m, 32, label),
      workgroupCount(ctx, batch, 1, label),
    ];
  } else {
    const wg = variant === 'tiled128' ? 16 : 8;
    const tile = 8 * wg;
    // Whole vec4s along each operand's contiguous dimension, and whole k slices of 8.
    const fast =
      k % 8 === 0 &&
      (transA ? m % 4 === 0 : true) &&
      (transB ? true : n % 4 === 0) &&
      (batch === 1 || (strideA % 4 === 0 && strideB % 4 === 0));
    flags =
      (transA ? 1 : 0) | (transB ? 2 : 0) | (hasBias ? 4 : 0) | (fast ? 8 : 0) | (epilogue << 4);
    kernel = MATMUL_KERNEL;
    constants = { WG: wg };
    groups = [
      workgroupCount(ctx, n, tile, label),
      workgroupCount(ctx, m, tile, label),
      workgroupCount(ctx, batch, 1, label),
    ];
  }

  const entries: GPUBindGroupEntry[] = [
    { binding: 1, resource: tiled ? (a4 as GPUBufferBinding) : bindingOf(args.a) },
    { binding: 2, resource: tiled ? (b4 as GPUBufferBinding) : bindingOf(args.b) },
    { binding: 3, resource: bindingOf(args.c) },
    // Without a bias the kernel never reads binding 4, nor 5 and 6 without their epilogue;
    // any buffer of the right access satisfies the layout.
    { binding: 4, resource: bindingOf(args.bias ?? args.a) },
    {
      binding: 5,
      resource: args.geluOut ? bindingOf(args.geluOut) : writablePlaceholder(ctx),
    },
    { binding: 6, resource: bindingOf(args.geluIn ?? args.a) },
  ];
  const unused = [
    ...(hasBias ? [] : [4]),
    ...(args.geluOut ? [] : [5]),
    ...(args.geluIn ? [] : [6]),
  ];
  return prepareKernelDispatch(ctx, {
    kernel,
    entry: 'main',
    constants,
    uniforms: {
      M: m,
      K: k,
      N: n,
      strideA,
      strideB,
      strideC,
      strideBias,
      alpha: args.alpha ?? 1,
      beta: args.beta ?? 0,
      flags,
    },
    entries,
    groups,
    label: `${label} [${variant}]`,
    unused,
  });
}
