/**
 * Attention and AdamW benchmarks. Each op module is imported dynamically: while it is missing
 * (or its API changed under us) its section is skipped with the reason, and the rest of the
 * kernel benchmark still runs.
 */
import {
  createTensor,
  releaseTensor,
  writeTensor,
  type GpuContext,
  type GpuTensor,
  type PreparedOp,
} from '../src/gpu';
import { Rng } from '../src/util/random';
import { measure, type GpuTimer, type RepeatPolicy, type Timing } from '../src/gpu/timing';
import { applicableVariants } from '../src/ops/variants';

export interface Section<Row> {
  /** Why the section did not run; absent when it ran. */
  skipped?: string;
  rows: Row[];
}

export interface AttentionTimes {
  forward: { ms: number; gflops: number; timing: Timing };
  backward: { ms: number; gflops: number; timing: Timing };
}

export interface AttentionRow extends AttentionTimes {
  batch: number;
  heads: number;
  context: number;
  headSize: number;
  /** The variant the adapter's chooser picks (whose times these are). */
  variant: string;
  /** The other applicable variants, timed in the same rounds (--all-variants). */
  others?: Array<AttentionTimes & { variant: string }>;
}

export interface AdamWRow {
  params: number;
  tensors: number;
  ms: number;
  /** Bytes moved per step / time; see bytesPerParam. */
  gbps: number;
  bytesPerParam: number;
  timing: Timing;
}

interface SectionOptions {
  timer: GpuTimer;
  policy: RepeatPolicy;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function randomTensor(ctx: GpuContext, rng: Rng, n: number, label: string, scale = 1): GpuTensor {
  const t = createTensor(ctx, [n], 'f32', label);
  writeTensor(ctx, t, rng.uniformArray(n, -scale, scale));
  return t;
}

/**
 * Causal attention at context T and head size D (batch 2 x 4 heads). FLOPs counted are the useful
 * causal ones: per head T^2 D for each T x T x D product restricted to the lower triangle; 2 such
 * products forward (QK^T, PV) and 5 backward (QK^T recomputed, dO V^T, P^T dO, dS K, dS^T Q).
 * The chooser's variant is timed; with `allVariants` every other variant that applies to the
 * shape too, in the same rounds (samples interleaved), so their ratios share the load.
 */
export async function benchAttention(
  ctx: GpuContext,
  contexts: readonly number[],
  headSizes: readonly number[],
  o: SectionOptions & { allVariants: boolean; onRow?: (r: AttentionRow) => void },
): Promise<Section<AttentionRow>> {
  let mod: typeof import('../src/ops/attention');
  try {
    mod = await import('../src/ops/attention');
  } catch (e) {
    return { skipped: `src/ops/attention.ts could not be loaded: ${errorText(e)}`, rows: [] };
  }
  const rows: AttentionRow[] = [];
  const rng = new Rng(777);
  const batch = 2;
  const heads = 4;
  try {
    for (const context of contexts) {
      for (const headSize of headSizes) {
        const shape = { batch, heads, headSize, context, scale: 1 / Math.sqrt(headSize) };
        const qkvLen = batch * context * 3 * heads * headSize;
        const outLen = batch * context * heads * headSize;
        const qkv = randomTensor(ctx, rng, qkvLen, 'bench qkv');
        const dout = randomTensor(ctx, rng, outLen, 'bench dout');
        const out = createTensor(ctx, [outLen], 'f32', 'bench out');
        const lse = createTensor(ctx, [batch * heads * context], 'f32', 'bench lse');
        const dqkv = createTensor(ctx, [qkvLen], 'f32', 'bench dqkv');
        const problem = { batch, heads, headSize, context };
        const chosen = mod.chooseAttentionVariant(ctx.adapter, problem);
        const env = { adapter: ctx.adapter, features: ctx.features };
        const variants = [
          chosen,
          ...(o.allVariants
            ? applicableVariants(mod.ATTENTION_VARIANT_REGISTRY, env, problem).filter(
                (v) => v !== chosen,
              )
            : []),
        ];
        const ops: Array<{ fwd: PreparedOp; bwd: PreparedOp }> = [];
        try {
          for (const variant of variants) {
            const s = { ...shape, variant };
            const fwd = await mod.prepareAttentionForward(ctx, { ...s, qkv, out, lse });
            const bwd = await mod.prepareAttentionBackward(ctx, {
              ...s,
              qkv,
              out,
              lse,
              dout,
              dqkv,
            });
            ops.push({ fwd, bwd });
          }
          // The backward reads the forward's out and lse: run a forward once first.
          await o.timer.time((pass) => ops[0].fwd.encode(pass), 1, ops[0].fwd.label);
          const sample = (op: PreparedOp) => (inner: number) =>
            o.timer.time((pass) => op.encode(pass), inner, op.label);
          const timings = await measure(
            ops.flatMap(({ fwd, bwd }, i) => [
              { name: `${variants[i]} forward`, sample: sample(fwd) },
              { name: `${variants[i]} backward`, sample: sample(bwd) },
            ]),
            o.policy,
          );
          const unit = (batch * heads * context * context * headSize) / 1e9;
          const times = (i: number): AttentionTimes => {
            const [tf, tb] = [timings[2 * i], timings[2 * i + 1]];
            return {
              forward: { ms: tf.ms, gflops: (2 * unit) / (tf.ms / 1e3), timing: tf },
              backward: { ms: tb.ms, gflops: (5 * unit) / (tb.ms / 1e3), timing: tb },
            };
          };
          const others = variants.slice(1).map((variant, i) => ({ variant, ...times(i + 1) }));
          const row: AttentionRow = {
            batch,
            heads,
            context,
            headSize,
            variant: chosen,
            ...times(0),
            ...(others.length > 0 ? { others } : {}),
          };
          rows.push(row);
          o.onRow?.(row);
        } finally {
          ops.forEach(({ fwd, bwd }) => {
            fwd.release();
            bwd.release();
          });
          [qkv, dout, out, lse, dqkv].forEach((t) => releaseTensor(ctx, t));
        }
      }
    }
  } catch (e) {
    return { skipped: `attention failed: ${errorText(e)}`, rows };
  }
  return { rows };
}

/**
 * One AdamW step over `params` parameters in 8 equal tensors (one dispatch, plus the gradient
 * statistics pass it encodes first). Bytes per parameter: the statistics read the gradient (4);
 * the update reads parameter, gradient and both moments and writes parameter and moments (28).
 */
export async function benchAdamW(
  ctx: GpuContext,
  sizes: readonly number[],
  o: SectionOptions & { onRow?: (r: AdamWRow) => void },
): Promise<Section<AdamWRow>> {
  let mod: typeof import('../src/ops/adamw');
  try {
    mod = await import('../src/ops/adamw');
  } catch (e) {
    return { skipped: `src/ops/adamw.ts could not be loaded: ${errorText(e)}`, rows: [] };
  }
  const rows: AdamWRow[] = [];
  const rng = new Rng(4242);
  const bytesPerParam = 32;
  const count = 8;
  try {
    for (const n of sizes) {
      const per = Math.floor(n / count);
      const params = randomTensor(ctx, rng, n, 'bench params');
      const grads = randomTensor(ctx, rng, n, 'bench grads', 1e-3);
      const m = randomTensor(ctx, rng, n, 'bench m', 0);
      const v = randomTensor(ctx, rng, n, 'bench v', 0);
      const tensors = Array.from({ length: count }, (_, i) => ({
        offset: i * per,
        length: i === count - 1 ? n - i * per : per,
        lr: 1e-3,
        weightDecay: 0.1,
        name: `t${i}`,
      }));
      const op = await mod.prepareAdamW(ctx, { params, grads, m, v, tensors, clip: 1 });
      try {
        const [t] = await measure(
          [{ name: 'adamw', sample: (i) => o.timer.time((p) => op.encode(p), i, op.label) }],
          o.policy,
        );
        const row: AdamWRow = {
          params: n,
          tensors: count,
          ms: t.ms,
          gbps: (bytesPerParam * n) / (t.ms / 1e3) / 1e9,
          bytesPerParam,
          timing: t,
        };
        rows.push(row);
        o.onRow?.(row);
      } finally {
        op.release();
        [params, grads, m, v].forEach((x) => releaseTensor(ctx, x));
      }
    }
  } catch (e) {
    return { skipped: `adamw failed: ${errorText(e)}`, rows };
  }
  return { rows };
}
