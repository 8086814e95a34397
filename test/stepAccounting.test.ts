/**
 * Per-step accounting (src/gpu/accounting.ts, bench/step-accounting.ts): binding access parsed
 * from WGSL, one matmul's bound bytes counted exactly, a tiny model's training step fully
 * accounted and deterministic, and the model's analytic minimum and FLOPs worked by hand.
 */
import { describe, expect, it } from 'vitest';
import { accountOps, bindingAccessOf, createTensor, releaseTensor } from '../src/gpu';
import { DEFAULT_HYPERPARAMS } from '../src/mup/rules';
import { parameterCount, type GptShape } from '../src/mup/shapes';
import { prepareMatmul } from '../src/ops/matmul';
import { prepareTrainingStep } from '../src/train/step';
import { modelMinimum, stepAccounting, stepFlops } from '../bench/step-accounting';
import { useGpu } from './gpu';

const gpu = useGpu();

const tiny: GptShape = {
  width: 8,
  depth: 1,
  heads: 2,
  context: 4,
  vocab: 5,
  tiedReadout: true,
  biases: false,
};

describe('binding access', () => {
  it('reads group 0 bindings and their modes from WGSL, either attribute order', () => {
    const access = bindingAccessOf(`
      @group(0) @binding(0) var<uniform> p: Params;
      @group(0) @binding(1) var<storage, read> a: array<f32>;
      @binding(2) @group(0) var<storage, read_write> c: array<f32>;
      @group(0) @binding(3) var<storage> d: array<f32>;
    `);
    expect([...access.entries()].sort()).toEqual([
      [0, 'uniform'],
      [1, 'read'],
      [2, 'read_write'],
      [3, 'read'],
    ]);
  });
});

describe('accountOps', () => {
  it('counts a matmul: A and B read, C read and written, the unused bias left out', async () => {
    const ctx = gpu();
    const [m, k, n] = [5, 3, 7];
    const a = createTensor(ctx, [m, k]);
    const b = createTensor(ctx, [k, n]);
    const c = createTensor(ctx, [m, n]);
    const op = await prepareMatmul(ctx, { a, b, c, m, k, n, variant: 'direct' });
    try {
      const acc = accountOps([op, op]);
      expect(acc.dispatches).toBe(2);
      expect(acc.unaccounted).toBe(0);
      expect(acc.bytesRead).toBe(2 * 4 * (m * k + k * n + m * n));
      expect(acc.bytesWritten).toBe(2 * 4 * m * n);
      expect(acc.uniformBytes).toBeGreaterThan(0);
      expect(acc.perOp.map((o) => o.dispatches)).toEqual([1, 1]);
    } finally {
      op.release();
      for (const t of [a, b, c]) releaseTensor(ctx, t);
    }
  });

  it("accounts every dispatch of a tiny model's training step, the same each time", async () => {
    const ctx = gpu();
    const training = await prepareTrainingStep(ctx, {
      shape: tiny,
      base: tiny,
      parametrization: 'mup',
      hps: [DEFAULT_HYPERPARAMS],
      seed: 1,
      batch: 2,
    });
    try {
      const first = stepAccounting(training.ops, tiny, 2, 1);
      const again = stepAccounting(training.ops, tiny, 2, 1);
      expect(again).toEqual(first);
      expect(first.unaccountedDispatches).toBe(0);
      expect(first.dispatches).toBeGreaterThan(training.ops.length - 1);
      expect(first.boundBytesWritten).toBeGreaterThan(0);
      expect(first.boundBytesRead).toBeGreaterThan(first.boundBytesWritten);
      // Every parameter is read by the forward pass at least: the bound bytes cover the minimum's
      // forward share of the parameters.
      expect(first.boundBytesRead).toBeGreaterThan(parameterCount(tiny) * 4);
      expect(first.kinds.reduce((s, k) => s + k.dispatches, 0)).toBe(first.dispatches);
    } finally {
      training.release();
    }
  });
});

describe('model minimum and FLOPs', () => {
  it('works out the tiny model by hand', () => {
    // Parameters: tok_emb 5x8, pos_emb 4x8, ln1 8, qkv 8x24, out 8x8, ln2 8, mlp 8x32 + 32x8, ln_f 8.
    const params = 40 + 32 + 8 + 192 + 64 + 8 + 256 + 256 + 8;
    expect(parameterCount(tiny)).toBe(params);
    const min = modelMinimum(tiny, 2, 1);
    // Per token: x0 8, block (8 + 24 + 8 + 8 + 8 + 32 + 32 + 8 = 128), ln_f 8, logits 5.
    expect(min.activationsPerToken).toBe(8 + 128 + 8 + 5);
    expect(min.activations).toBe(8 * 149);
    expect(min.bytes).toBe((params + 8 * 149) * 4 * 3 + 7 * params * 4);
    expect(modelMinimum(tiny, 2, 3).bytes).toBe(3 * min.bytes);
    const f = stepFlops(tiny, 2, 1);
    // 8 tokens x (qkv 192 + out 64 + mlp 512 + readout 40) MACs x 2 x 3 (forward + backward).
    expect(f.matmul).toBe(8 * (192 + 64 + 512 + 40) * 2 * 3);
    // batch 2 x 2 heads x T^2 16 x Dh 4 per product, 7 products.
    expect(f.attention).toBe(2 * 2 * 16 * 4 * 7);
    expect(f.total).toBe(f.matmul + f.attention);
  });
});
