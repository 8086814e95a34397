import { beforeEach, describe, expect, it } from 'vitest';
import { readTensor, releaseTensor, runOps, uploadTensor, type GpuTensor } from '../gpu';
import {
  attentionBackwardRef,
  attentionForwardRef,
  type AttentionRefShape,
} from '../reference/attention';
import { Rng } from '../util/random';
import { acquireNodeGpu } from '../gpu/node';
import { releaseGpu, withTunedVariants } from '../gpu';
import { useGpu } from '../../test/gpu';
import { ATTENTION_STRESS_TOL, ATTENTION_TOL } from './errorBounds';
import { runSelfTests } from './selftest';
import { applicableVariants } from './variants';
import {
  ATTENTION_UNROLLED_MAX_D,
  ATTENTION_VARIANT_REGISTRY,
  ATTENTION_VARIANTS,
  attentionMaxD,
  attentionSubgroupKernel,
  attentionUnrolledKernel,
  attentionUnrolledRows,
  chooseAttentionVariant,
  prepareAttentionBackward,
  prepareAttentionForward,
  type AttentionVariant,
} from './attention';

const gpu = useGpu();

const sp = (d: number) => 1 / Math.sqrt(d);
const mup = (d: number, alpha = 1) => alpha / d;

/** Slot k (0 = Q, 1 = K, 2 = V) of a [B, T, 3, H, D] tensor, as [B, T, H, D]. */
function slot(x: ArrayLike<number>, s: AttentionRefShape, k: number): Float64Array {
  const hd = s.heads * s.headSize;
  const out = new Float64Array(s.batch * s.context * hd);
  for (let bt = 0; bt < s.batch * s.context; bt++) {
    for (let e = 0; e < hd; e++) out[bt * hd + e] = x[(bt * 3 + k) * hd + e];
  }
  return out;
}

const maxAbs = (x: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};

/**
 * Asserts max |got - want| <= tol * outputScale (NaN fails), and that the RMS error is below
 * tol / 4 of the output scale too (random-sign rounding errors add up as a root sum of squares).
 */
function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  outputScale: number,
  tol: number,
  what: string,
) {
  let worst = 0;
  let at = -1;
  let sq = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= worst)) {
      worst = Number.isNaN(e) ? Infinity : e;
      at = i;
    }
    sq += e * e;
  }
  const rms = Math.sqrt(sq / want.length);
  const msg = `${what}: worst at ${at}: got ${got[at]}, want ${want[at]} (output scale ${outputScale})`;
  expect(worst / outputScale, msg).toBeLessThanOrEqual(tol);
  expect(rms / outputScale, `${what}: rms error`).toBeLessThanOrEqual(tol / 4);
}

// Tolerances: ATTENTION_TOL and ATTENTION_STRESS_TOL of each output's scale, derived in
// src/ops/errorBounds.ts.
const TOL = ATTENTION_TOL;
const STRESS_TOL = ATTENTION_STRESS_TOL;

/** Runs forward then backward on the GPU (one submission) and returns what they wrote. */
async function runGpu(
  s: AttentionRefShape,
  qkv: Float32Array,
  dout: Float32Array,
  variant?: AttentionVariant,
) {
  const ctx = gpu();
  const { batch: B, heads: H, headSize: D, context: T } = s;
  const tensors: GpuTensor[] = [];
  // Outputs start as NaN, so an element a kernel fails to write fails the comparison.
  const nans = (n: number) => new Float32Array(n).fill(NaN);
  const up = (x: Float32Array, shape: number[], label: string) => {
    const t = uploadTensor(ctx, x, shape, label);
    tensors.push(t);
    return t;
  };
  const tq = up(qkv, [B, T, 3, H, D], 'qkv');
  const tg = up(dout, [B, T, H, D], 'dout');
  const to = up(nans(B * T * H * D), [B, T, H, D], 'out');
  const tl = up(nans(B * H * T), [B, H, T], 'lse');
  const td = up(nans(B * T * 3 * H * D), [B, T, 3, H, D], 'dqkv');
  const fwd = await prepareAttentionForward(ctx, { ...s, variant, qkv: tq, out: to, lse: tl });
  const bwd = await prepareAttentionBackward(ctx, {
    ...s,
    variant,
    qkv: tq,
    out: to,
    lse: tl,
    dout: tg,
    dqkv: td,
  });
  try {
    await runOps(ctx, [fwd, bwd]);
    return {
      out: await readTensor(ctx, to),
      lse: await readTensor(ctx, tl),
      dqkv: await readTensor(ctx, td),
    };
  } finally {
    fwd.release();
    bwd.release();
    tensors.forEach((t) => releaseTensor(ctx, t));
  }
}

async function check(
  s: AttentionRefShape,
  opts: { seed?: number; tol?: number; variant?: AttentionVariant } = {},
) {
  const rng = new Rng(opts.seed ?? 1);
  const { batch: B, heads: H, headSize: D, context: T } = s;
  const qkv = rng.normalArray(B * T * 3 * H * D);
  const dout = rng.normalArray(B * T * H * D);
  const got = await runGpu(s, qkv, dout, opts.variant);
  const tol = opts.tol ?? TOL;
  const name = `[${opts.variant ?? 'default'}] B${B} H${H} T${T} D${D} scale ${s.scale}`;

  const ref = attentionForwardRef(qkv, s);
  expectClose(got.out, ref.out, maxAbs(ref.out), tol, `${name} out`);
  // LSE is a logit-sized quantity (>= max logit): its scale is at least 1.
  expectClose(got.lse, ref.lse, Math.max(1, maxAbs(ref.lse)), tol, `${name} lse`);

  const dref = attentionBackwardRef(qkv, dout, s);
  // With T = 1, dQ = dK = 0 exactly; the largest gradient of qkv then sets their scale.
  const floor = maxAbs(dref);
  ['dQ', 'dK', 'dV'].forEach((g, k) => {
    const want = slot(dref, s, k);
    expectClose(slot(got.dqkv, s, k), want, maxAbs(want) || floor, tol, `${name} ${g}`);
  });
  return got;
}

describe('attention float64 reference', () => {
  it('matches hand-computed values for T = 1 and T = 2', () => {
    // T = 1: O = V and LSE = scale q.k.
    const one = { batch: 1, heads: 1, headSize: 2, context: 1, scale: 0.5 };
    const r1 = attentionForwardRef([1, 2, 3, -1, 5, 7], one);
    expect([...r1.out]).toEqual([5, 7]);
    expect(r1.lse[0]).toBeCloseTo(0.5 * (3 - 2), 14);

    // T = 2, D = 1: qkv per position is (q, k, v).
    const two = { batch: 1, heads: 1, headSize: 1, context: 2, scale: 2 };
    const [q0, k0, v0, q1, k1, v1] = [0.5, -1, 3, 1.5, 0.25, -2];
    const r2 = attentionForwardRef([q0, k0, v0, q1, k1, v1], two);
    const a = 2 * q1 * k0;
    const b = 2 * q1 * k1;
    expect(r2.out[0]).toBeCloseTo(v0, 14);
    expect(r2.out[1]).toBeCloseTo(
      (Math.exp(a) * v0 + Math.exp(b) * v1) / (Math.exp(a) + Math.exp(b)),
      14,
    );
    expect(r2.lse[0]).toBeCloseTo(2 * q0 * k0, 14);
    expect(r2.lse[1]).toBeCloseTo(Math.log(Math.exp(a) + Math.exp(b)), 14);
  });

  // Central differences of loss = sum(out * R) in float64, h = 1e-5: truncation error
  // ~h^2 |f'''| ~ 1e-10 and cancellation ~1e-16 / h ~ 1e-11, so 1e-7 is a safe bound.
  for (const s of [
    { batch: 2, heads: 2, headSize: 3, context: 5, scale: 0.6 },
    { batch: 1, heads: 1, headSize: 4, context: 9, scale: 1.5 },
  ]) {
    it(`backward matches central finite differences (B${s.batch} H${s.heads} T${s.context} D${s.headSize} scale ${s.scale})`, () => {
      const rng = new Rng(7);
      const qkv = Float64Array.from(
        rng.normalArray(s.batch * s.context * 3 * s.heads * s.headSize),
      );
      const r = rng.normalArray(s.batch * s.context * s.heads * s.headSize);
      const loss = (x: Float64Array) => {
        const { out } = attentionForwardRef(x, s);
        return out.reduce((acc, o, i) => acc + o * r[i], 0);
      };
      const grad = attentionBackwardRef(qkv, r, s);
      const h = 1e-5;
      for (let i = 0; i < qkv.length; i++) {
        const x = qkv[i];
        qkv[i] = x + h;
        const up = loss(qkv);
        qkv[i] = x - h;
        const down = loss(qkv);
        qkv[i] = x;
        expect(Math.abs((up - down) / (2 * h) - grad[i]), `element ${i}`).toBeLessThan(1e-7);
      }
    });
  }
});

describe.each(ATTENTION_VARIANTS)('attention kernels (%s) vs float64 reference', (variant) => {
  // 'subgroup' needs the adapter feature (SwiftShader has it, with 4 lanes).
  beforeEach(({ skip }) => {
    if (variant === 'subgroup' && !gpu().features.subgroups) skip('no subgroups on this adapter');
  });
  // The largest head size the variant takes ('unrolled' stops at 64; see its registry rule).
  const largestD =
    variant === 'unrolled' || variant === 'subgroup' ? ATTENTION_UNROLLED_MAX_D : 128;

  it('awkward shapes: T in {1, 7, 33, 127} x D in {1, 7, 16, 33, 64}, µP and SP scales', async () => {
    const contexts = [1, 7, 33, 127];
    const headSizes = [1, 7, 16, 33, 64];
    let n = 0;
    for (const context of contexts) {
      for (const headSize of headSizes) {
        // Heads, batch and parametrization cycle so every value meets several shapes.
        const heads = n % 2 === 0 ? 1 : 3;
        const batch = Math.floor(n / 2) % 2 === 0 ? 1 : 2;
        const scale = n % 3 === 0 ? sp(headSize) : mup(headSize, n % 3);
        await check({ batch, heads, headSize, context, scale }, { seed: n, variant });
        n++;
      }
    }
  });

  it(`T = 256 with D = 64, and the largest head size D = ${largestD}`, async () => {
    await check({ batch: 1, heads: 2, headSize: 64, context: 256, scale: sp(64) }, { variant });
    await check(
      { batch: 2, heads: 1, headSize: largestD, context: 65, scale: mup(largestD, 4) },
      { variant },
    );
  });

  it(`the largest context and head size, T = 512 and D = ${largestD}`, async () => {
    await check(
      { batch: 1, heads: 1, headSize: largestD, context: 512, scale: sp(largestD) },
      { variant },
    );
  });

  it('uses the scale it is given: µP and SP on the same data', async () => {
    const base = { batch: 2, heads: 3, headSize: 32, context: 40 };
    const a = await check({ ...base, scale: sp(32) }, { seed: 3, variant });
    const b = await check({ ...base, scale: mup(32) }, { seed: 3, variant });
    // Same inputs, different logits: the outputs must differ (both match their references).
    expect(maxAbs(a.out.map((x, i) => x - b.out[i]))).toBeGreaterThan(1e-3);
  });

  it('stays accurate with large logits (online-softmax rescaling), at a stated looser bound', async () => {
    await check(
      { batch: 1, heads: 2, headSize: largestD, context: 100, scale: 2 },
      { tol: STRESS_TOL, variant },
    );
  });

  it('a non-finite later key never reaches an earlier row (out, lse, dQ)', async () => {
    // Rows 0 .. T - 2 do not see key T - 1: with its K and V non-finite they must still match
    // the reference computed with that key zeroed.
    const s = { batch: 2, heads: 3, headSize: 7, context: 9, scale: sp(7) };
    const { batch: B, heads: H, headSize: D, context: T } = s;
    const rng = new Rng(5);
    const qkv = rng.normalArray(B * T * 3 * H * D);
    const dout = rng.normalArray(B * T * H * D);
    const clean = Float32Array.from(qkv);
    for (let b = 0; b < B; b++) {
      for (let e = 0; e < 2 * H * D; e++) {
        const i = ((b * T + T - 1) * 3 + 1) * H * D + e; // K and V of the last position
        qkv[i] = e % 2 ? Infinity : NaN;
        clean[i] = 0;
      }
    }
    const got = await runGpu(s, qkv, dout, variant);
    const ref = attentionForwardRef(clean, s);
    const dref = attentionBackwardRef(clean, dout, s);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T - 1; t++) {
        for (let h = 0; h < H; h++) {
          const r = (b * H + h) * T + t;
          expect(Math.abs(got.lse[r] - ref.lse[r]), `lse b${b} t${t} h${h}`).toBeLessThan(1e-5);
          for (let d = 0; d < D; d++) {
            const o = ((b * T + t) * H + h) * D + d;
            expect(Math.abs(got.out[o] - ref.out[o]), `out b${b} t${t} h${h}`).toBeLessThan(1e-5);
            const q = ((b * T + t) * 3 * H + h) * D + d;
            expect(Math.abs(got.dqkv[q] - dref[q]), `dQ b${b} t${t} h${h}`).toBeLessThan(1e-5);
          }
        }
      }
    }
  });

  it('backward is deterministic (no atomics): two runs agree bit for bit', async () => {
    const s = { batch: 2, heads: 3, headSize: 16, context: 70, scale: sp(16) };
    const rng = new Rng(11);
    const qkv = rng.normalArray(2 * 70 * 3 * 3 * 16);
    const dout = rng.normalArray(2 * 70 * 3 * 16);
    const a = await runGpu(s, qkv, dout, variant);
    const b = await runGpu(s, qkv, dout, variant);
    expect(Buffer.from(a.dqkv.buffer).equals(Buffer.from(b.dqkv.buffer))).toBe(true);
    expect(Buffer.from(a.out.buffer).equals(Buffer.from(b.out.buffer))).toBe(true);
  });

  it('returns its scratch and uniform buffers to the pool on release', async () => {
    const ctx = gpu();
    const s = { batch: 1, heads: 2, headSize: 8, context: 5, scale: sp(8), variant };
    const make = (n: number) => uploadTensor(ctx, new Float32Array(n), [n]);
    const [qkv, out, lse, dout, dqkv] = [240, 80, 10, 80, 240].map(make);
    const before = ctx.pool.bytesInUse;
    const op = await prepareAttentionBackward(ctx, { ...s, qkv, out, lse, dout, dqkv });
    expect(op.label).toContain(`[${variant}]`);
    expect(ctx.pool.bytesInUse).toBeGreaterThan(before);
    op.release();
    expect(ctx.pool.bytesInUse).toBe(before);
    [qkv, out, lse, dout, dqkv].forEach((t) => releaseTensor(ctx, t));
  });
});

describe('attention variants and head-size buckets', () => {
  it('chooses unrolled (row past its head sizes) on CPU fallback adapters and tiled on GPUs', () => {
    const base = { vendor: 'v', architecture: 'a', device: 'd', description: '' };
    const cpu = { ...base, isFallback: true };
    const shape = (headSize: number) => ({ batch: 8, heads: 4, headSize, context: 64 });
    expect(chooseAttentionVariant(cpu, shape(16))).toBe('unrolled');
    expect(chooseAttentionVariant(cpu, shape(ATTENTION_UNROLLED_MAX_D))).toBe('unrolled');
    expect(chooseAttentionVariant(cpu, shape(ATTENTION_UNROLLED_MAX_D + 1))).toBe('row');
    // Without a shape the head size is unknown: the variant that takes every head size.
    expect(chooseAttentionVariant(cpu)).toBe('row');
    expect(chooseAttentionVariant({ ...base, isFallback: false }, shape(16))).toBe('tiled');
  });

  it('subgroup applies only with the adapter feature, and refuses to run without it', async () => {
    const adapter = { vendor: 'v', architecture: 'a', device: 'd', description: '' };
    const env = (subgroups: boolean) => ({
      adapter: { ...adapter, isFallback: false },
      features: {
        subgroups,
        subgroupMinSize: subgroups ? 4 : 0,
        timestampQuery: false,
        shaderF16: false,
      },
    });
    const shape = { batch: 2, heads: 4, headSize: 16, context: 64 };
    expect(applicableVariants(ATTENTION_VARIANT_REGISTRY, env(true), shape)).toContain('subgroup');
    expect(applicableVariants(ATTENTION_VARIANT_REGISTRY, env(false), shape)).not.toContain(
      'subgroup',
    );
    expect(
      applicableVariants(ATTENTION_VARIANT_REGISTRY, env(true), { ...shape, headSize: 65 }),
    ).not.toContain('subgroup');
    const ctx = await acquireNodeGpu({ disableFeatures: ['subgroups'] });
    try {
      const make = (n: number) => uploadTensor(ctx, new Float32Array(n), [n]);
      const [qkv, out, lse] = [36, 12, 3].map(make);
      const s = { batch: 1, heads: 1, headSize: 4, context: 3, scale: 0.5 };
      await expect(
        prepareAttentionForward(ctx, { ...s, qkv, out, lse, variant: 'subgroup' }),
      ).rejects.toThrow(/subgroup needs a device with the subgroups feature/);
      // A tuning made on a device of this adapter with subgroups does not apply here.
      const tuned = withTunedVariants(ctx, { attention: { 'T3 D4 BH1': 'subgroup' } });
      const op = await prepareAttentionForward(tuned, { ...s, qkv, out, lse });
      const fallback = ATTENTION_VARIANT_REGISTRY.threshold(ctx.adapter, s);
      expect(op.label).toContain(`[${fallback}]`);
      op.release();
    } finally {
      releaseGpu(ctx);
    }
  });

  it('the start-up self-test passes each variant and fails a broken unrolled or subgroup kernel', async () => {
    const ctx = gpu();
    // The self-test's shape: D 7 (see src/ops/selftest/attention.ts).
    const shape = { batch: 2, heads: 2, headSize: 7, context: 70 };
    const env = { adapter: ctx.adapter, features: ctx.features };
    for (const variant of applicableVariants(ATTENTION_VARIANT_REGISTRY, env, shape)) {
      const [r] = await runSelfTests(ctx, undefined, { kernels: ['attention'], variant });
      expect(r.passed, `${variant}: ${r.detail}`).toBe(true);
    }
    // Output normalised by 0.9 / l instead of 1 / l in the first row of each block or lane.
    const broken = [
      { variant: 'unrolled', kernel: attentionUnrolledKernel(7, 2), normalise: '(1.0 / l0)' },
      { variant: 'subgroup', kernel: attentionSubgroupKernel(7), normalise: '(1.0 / lAll)' },
    ].filter((b) => b.variant !== 'subgroup' || ctx.features.subgroups);
    for (const b of broken) {
      expect(b.kernel.code).toContain(b.normalise);
      const code = b.kernel.code.replace(b.normalise, b.normalise.replace('1.0', '0.9'));
      const [r] = await runSelfTests(ctx, undefined, {
        kernels: ['attention'],
        variant: b.variant,
        overrides: [{ name: b.kernel.name, code }],
      });
      expect(r.passed, `broken ${b.variant}: ${r.detail}`).toBe(false);
      // The backward reads the broken output too (Delta), so any part may be the worst.
      expect(r.detail).toMatch(/worst: (out|lse|dQ|dK|dV)/);
    }
  });

  it('unrolled takes 2 rows per invocation up to D = 32, then 1, and refuses D > 64', async () => {
    expect([1, 7, 16, 32, 33, 64].map(attentionUnrolledRows)).toEqual([2, 2, 2, 2, 1, 1]);
    const ctx = gpu();
    const make = (n: number) => uploadTensor(ctx, new Float32Array(n), [n]);
    const [qkv, out, lse] = [3 * 65 * 2, 65 * 2, 2].map(make);
    const s = { batch: 1, heads: 1, headSize: 65, context: 2, scale: 0.1 };
    await expect(
      prepareAttentionForward(ctx, { ...s, qkv, out, lse, variant: 'unrolled' }),
    ).rejects.toThrow(/headSize 65 exceeds the unrolled variant's maximum of 64/);
    [qkv, out, lse].forEach((t) => releaseTensor(ctx, t));
  });

  it('sizes private arrays by D rounded up to a power of two, at least 8', () => {
    const got = [1, 7, 8, 9, 16, 17, 32, 33, 64, 65, 128].map(attentionMaxD);
    expect(got).toEqual([8, 8, 8, 16, 16, 32, 32, 64, 64, 128, 128]);
  });

  it('uses the chosen variant by default and rejects an unknown one', async () => {
    const ctx = gpu();
    const s = { batch: 1, heads: 1, headSize: 4, context: 3, scale: 0.5 };
    const make = (n: number) => uploadTensor(ctx, new Float32Array(n), [n]);
    const [qkv, out, lse] = [36, 12, 3].map(make);
    const op = await prepareAttentionForward(ctx, { ...s, qkv, out, lse });
    expect(op.label).toContain(`[${chooseAttentionVariant(ctx.adapter, s)}]`);
    op.release();
    const bad = { ...s, qkv, out, lse, variant: 'flash' as AttentionVariant };
    await expect(prepareAttentionForward(ctx, bad)).rejects.toThrow(/unknown variant flash/);
    [qkv, out, lse].forEach((t) => releaseTensor(ctx, t));
  });

  it('rejects bad shapes, undersized tensors and aliased outputs with clear messages', async () => {
    const ctx = gpu();
    const big = uploadTensor(ctx, new Float32Array(4096), [4096], 'big');
    const other = uploadTensor(ctx, new Float32Array(4096), [4096], 'other');
    const small = uploadTensor(ctx, new Float32Array(8), [8], 'small');
    const shape = { batch: 1, heads: 1, headSize: 4, context: 8, scale: 0.5 };
    const fwd = (s: object, t: object = {}) =>
      prepareAttentionForward(ctx, { ...shape, ...s, qkv: big, out: other, lse: other, ...t });
    await expect(fwd({ headSize: 129 })).rejects.toThrow(
      /headSize 129 exceeds the attention kernel's maximum of 128/,
    );
    await expect(fwd({ context: 513 })).rejects.toThrow(
      /context 513 exceeds the attention kernel's maximum of 512/,
    );
    await expect(fwd({ heads: 0 })).rejects.toThrow(/heads must be a positive integer, got 0/);
    await expect(fwd({ batch: 1.5 })).rejects.toThrow(/batch must be a positive integer/);
    await expect(fwd({ scale: NaN })).rejects.toThrow(/scale must be finite/);
    await expect(fwd({}, { qkv: small })).rejects.toThrow(
      /qkv has 8 elements, needs at least 96 \(\[B, T, 3, H, D\]\)/,
    );
    // out and lse may share a buffer (both written); qkv only needs to be a different one.
    (await fwd({}, { lse: small, out: big, qkv: other })).release();
    await expect(fwd({}, { out: big })).rejects.toThrow(/out and qkv share a GPU buffer/);
    const bwd = (t: { dout: GpuTensor; dqkv: GpuTensor }) =>
      prepareAttentionBackward(ctx, { ...shape, qkv: big, out: other, lse: other, ...t });
    await expect(bwd({ dout: small, dqkv: other })).rejects.toThrow(
      /dout has 8 elements, needs at least 32/,
    );
    await expect(bwd({ dout: other, dqkv: other })).rejects.toThrow(
      /dqkv and out share a GPU buffer/,
    );
    [big, other, small].forEach((t) => releaseTensor(ctx, t));
  });
});
