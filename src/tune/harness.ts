/**
 * How the tuner runs one kernel problem with a forced variant: tensors of the problem's sizes
 * (zero-filled: timing does not depend on the values, and zero targets are valid token ids) and
 * the op wrapper's prepared ops, forward and backward where the kernel has both.
 */
import {
  createTensor,
  releaseTensor,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../gpu';
import { ADAMW_VARIANT_REGISTRY, prepareAdamW } from '../ops/adamw';
import {
  ATTENTION_VARIANT_REGISTRY,
  prepareAttentionBackward,
  prepareAttentionForward,
} from '../ops/attention';
import { CROSS_ENTROPY_VARIANT_REGISTRY, prepareCrossEntropy } from '../ops/cross_entropy';
import { EMBEDDING_VARIANT_REGISTRY, prepareEmbeddingBackward } from '../ops/embedding';
import {
  LAYERNORM_VARIANT_REGISTRY,
  prepareLayerNormBackward,
  prepareLayerNormForward,
} from '../ops/layernorm';
import { MATMUL_VARIANT_REGISTRY, prepareMatmul } from '../ops/matmul';
import { asVariant } from '../ops/variants';
import type { KernelProblem } from './problems';
import { prepareResidualLayerNormTiming } from './residualLayernorm';

export interface TimedOps {
  ops: PreparedOp[];
  release(): void;
}

export async function prepareProblem(
  ctx: GpuContext,
  p: KernelProblem,
  variantName: string,
): Promise<TimedOps> {
  const tensors: GpuTensor[] = [];
  const ops: PreparedOp[] = [];
  const t = (n: number, label: string, dtype: 'f32' | 'u32' = 'f32') => {
    const x = createTensor(ctx, [n], dtype, `tune ${label}`);
    tensors.push(x);
    return x;
  };
  const release = () => {
    for (const op of ops.splice(0)) op.release();
    for (const x of tensors.splice(0)) releaseTensor(ctx, x);
  };
  try {
    switch (p.kernel) {
      case 'matmul': {
        const { m, k, n, batch } = p.problem;
        const variant = asVariant(MATMUL_VARIANT_REGISTRY, variantName);
        const args = {
          ...p.problem,
          a: t(batch * m * k, 'A'),
          b: t(batch * k * n, 'B'),
          c: t(batch * m * n, 'C'),
          variant,
        };
        ops.push(await prepareMatmul(ctx, args));
        break;
      }
      case 'layernorm': {
        const { rows, width } = p.problem;
        const variant = asVariant(LAYERNORM_VARIANT_REGISTRY, variantName);
        const x = t(rows * width, 'x');
        const gain = t(width, 'gain');
        const mean = t(rows, 'mean');
        const rstd = t(rows, 'rstd');
        const common = { x, gain, mean, rstd, rows, width, variant };
        ops.push(await prepareLayerNormForward(ctx, { ...common, y: t(rows * width, 'y') }));
        ops.push(
          await prepareLayerNormBackward(ctx, {
            ...common,
            dy: t(rows * width, 'dy'),
            dx: t(rows * width, 'dx'),
            dgain: t(width, 'dgain'),
          }),
        );
        break;
      }
      case 'cross_entropy': {
        const { rows, vocab } = p.problem;
        const variant = asVariant(CROSS_ENTROPY_VARIANT_REGISTRY, variantName);
        const op = await prepareCrossEntropy(ctx, {
          logits: t(rows * vocab, 'logits'),
          targets: t(rows, 'targets', 'u32'),
          dLogits: t(rows * vocab, 'dLogits'),
          rows,
          vocab,
          variant,
        });
        ops.push(op);
        break;
      }
      case 'attention': {
        const { batch, heads, headSize, context } = p.problem;
        const variant = asVariant(ATTENTION_VARIANT_REGISTRY, variantName);
        const rows = batch * context * heads * headSize;
        const shape = { ...p.problem, scale: 1 / headSize, variant };
        const qkv = t(3 * rows, 'qkv');
        const out = t(rows, 'out');
        const lse = t(batch * heads * context, 'lse');
        ops.push(await prepareAttentionForward(ctx, { ...shape, qkv, out, lse }));
        ops.push(
          await prepareAttentionBackward(ctx, {
            ...shape,
            qkv,
            out,
            lse,
            dout: t(rows, 'dout'),
            dqkv: t(3 * rows, 'dqkv'),
          }),
        );
        break;
      }
      case 'embedding': {
        // The variants differ in the backward only (dTok): time that, over one sequence of
        // `tokens` positions (zero ids are valid).
        const { vocab, dim, tokens } = p.problem;
        const variant = asVariant(EMBEDDING_VARIANT_REGISTRY, variantName);
        ops.push(
          await prepareEmbeddingBackward(ctx, {
            batch: 1,
            seq: tokens,
            vocab,
            dim,
            tokens: t(tokens, 'tokens', 'u32'),
            dOut: t(tokens * dim, 'dOut'),
            dTok: t(vocab * dim, 'dTok'),
            dPos: t(tokens * dim, 'dPos'),
            variant,
          }),
        );
        break;
      }
      case 'adamw': {
        // One step over `params` zero parameters (zero gradients are finite: the update runs) in
        // `tensors` equal tensors, clipping on, as a training step runs it.
        const { params, tensors: count } = p.problem;
        const variant = asVariant(ADAMW_VARIANT_REGISTRY, variantName);
        const per = Math.ceil(params / count);
        const tensors = Array.from({ length: count }, (_, i) => ({
          offset: Math.min(i * per, params),
          length: Math.max(0, Math.min(per, params - i * per)),
          lr: 1e-3,
        }));
        ops.push(
          await prepareAdamW(ctx, {
            params: t(params, 'params'),
            grads: t(params, 'grads'),
            m: t(params, 'm'),
            v: t(params, 'v'),
            tensors,
            clip: 1,
            variant,
          }),
        );
        break;
      }
      case 'residual_layernorm':
        ops.push(await prepareResidualLayerNormTiming(ctx, p.problem, variantName, t));
        break;
    }
  } catch (e) {
    release();
    throw e;
  }
  return { ops, release };
}
