/** Typed wrapper of kernels/matmul.wgsl: shape checks, dispatch sizes, bindings. */
import matmulWgsl from '../../kernels/matmul.wgsl?raw';
import {
  bindingOf,
  createUniform,
  workgroupCount,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';

export const MATMUL_KERNEL = { name: 'matmul', code: matmulWgsl };

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
  /** Length-n bias added to every row of C. */
  bias?: GpuTensor;
  alpha?: number;
  /** beta = 1 accumulates into C (gradient accumulation). */
  beta?: number;
  label?: string;
}

function need(t: GpuTensor, elements: number, what: string, label: string): void {
  if (t.length < elements) {
    throw new Error(`${label}: ${what} has ${t.length} elements, needs at least ${elements}`);
  }
}

export async function prepareMatmul(ctx: GpuContext, args: MatmulArgs): Promise<PreparedOp> {
  const { m, k, n } = args;
  const batch = args.batch ?? 1;
  const label = args.label ?? `matmul ${m}x${k}x${n}`;
  for (const [name, v] of Object.entries({ m, k, n, batch })) {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`${label}: ${name} must be a positive integer, got ${v}`);
  }
  const strideA = args.strideA ?? m * k;
  const strideB = args.strideB ?? k * n;
  const strideC = args.strideC ?? m * n;
  need(args.a, (batch - 1) * strideA + m * k, 'A', label);
  need(args.b, (batch - 1) * strideB + k * n, 'B', label);
  need(args.c, (batch - 1) * strideC + m * n, 'C', label);
  if (args.bias) need(args.bias, n, 'bias', label);
  if (strideC > 0 && strideC < m * n) throw new Error(`${label}: batches of C overlap`);

  const pipeline = await ctx.pipelines.get(MATMUL_KERNEL, 'main', {
    TRANS_A: args.transA ?? false,
    TRANS_B: args.transB ?? false,
    HAS_BIAS: args.bias !== undefined,
  });
  const uniforms = createUniform(
    ctx,
    [
      ['u32', m],
      ['u32', k],
      ['u32', n],
      ['u32', strideA],
      ['u32', strideB],
      ['u32', strideC],
      ['f32', args.alpha ?? 1],
      ['f32', args.beta ?? 0],
    ],
    label,
  );
  const bindGroup = ctx.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: bindingOf(args.a) },
      { binding: 1, resource: bindingOf(args.b) },
      { binding: 2, resource: bindingOf(args.c) },
      // Without a bias the kernel never reads binding 3; any buffer satisfies the layout.
      { binding: 3, resource: bindingOf(args.bias ?? args.a) },
      { binding: 4, resource: { buffer: uniforms } },
    ],
  });
  const groups: [number, number, number] = [
    workgroupCount(ctx, n, 64, label),
    workgroupCount(ctx, m, 64, label),
    workgroupCount(ctx, batch, 1, label),
  ];
  return {
    label,
    encode(pass) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(...groups);
    },
    release() {
      ctx.pool.release(uniforms);
    },
  };
}
