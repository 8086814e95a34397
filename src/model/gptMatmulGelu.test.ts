import { describe, expect, it } from 'vitest';
import { readTensor, runOps, withTunedVariants, type GpuContext } from '../gpu';
import type { GptShape } from '../mup/shapes';
import { shapeClassOf } from '../tune/problems';
import { Rng } from '../util/random';
import { useGpu } from '../../test/gpu';
import { GptGpu } from './gpt';
import { gptKernelProblems } from './kernelProblems';

const gpu = useGpu();

const shape: GptShape = {
  width: 16,
  depth: 2,
  heads: 2,
  context: 8,
  vocab: 11,
  tiedReadout: false,
  biases: true,
};
const multipliers = { inputMult: 1.5, attnScale: 0.35, residualMult: 0.7, readoutMult: 0.8 };
const options = { shape, multipliers, batch: 8, runs: 2 };

/** One step of a fresh model with seeded parameters and batch: its losses and gradients. */
async function step(ctx: GpuContext, model: GptGpu) {
  const rng = new Rng(3);
  model.writeParams(
    Float32Array.from({ length: model.layout.totalSize }, () => 0.3 * rng.normal()),
  );
  const n = options.batch * shape.context;
  const ids = () => Uint32Array.from({ length: n }, () => rng.int(shape.vocab));
  model.writeBatch(ids(), ids());
  await runOps(ctx, model.stepOps);
  return {
    loss: await readTensor(ctx, model.lossOp.loss),
    grads: await readTensor(ctx, model.grads),
  };
}

describe('GPT with the MLP GELU separate (as a tuning may choose) vs fused', () => {
  it('gives the same losses and gradients, with a GELU pass each way per block', async () => {
    const ctx = gpu();
    const model = await GptGpu.create(ctx, options);
    const mlp = gptKernelProblems(options, ctx.features).filter((p) => p.kernel === 'matmul_gelu');
    expect(mlp.map((p) => p.kernel === 'matmul_gelu' && p.problem.direction)).toEqual([
      'forward',
      'forward',
      'backward',
      'backward',
    ]);
    const want = await step(ctx, model);
    const geluPasses = (m: GptGpu) => m.stepOps.filter((op) => /gelu/.test(op.label)).length;
    expect(geluPasses(model)).toBe(0);
    model.release();

    const tuned = {
      matmul_gelu: Object.fromEntries(mlp.map((p) => [shapeClassOf(p), 'separate'])),
    };
    const separate = await GptGpu.create(withTunedVariants(ctx, tuned), options);
    expect(geluPasses(separate)).toBe(2 * shape.depth);
    const got = await step(ctx, separate);
    separate.release();
    // The same f32 operations in both (u stored, then gelu(u); dG stored, then dG gelu'(u)).
    const scale = Math.max(...want.grads.map(Math.abs));
    const worst = Math.max(...got.grads.map((g, i) => Math.abs(g - want.grads[i])));
    expect(worst / scale).toBeLessThan(1e-6);
    got.loss.forEach((l, k) =>
      expect(Math.abs(l - want.loss[k])).toBeLessThan(1e-6 * want.loss[k]),
    );
  });
});
