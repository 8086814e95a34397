import { describe, expect, it } from 'vitest';
import { readTensor, runOps } from '../gpu';
import type { GptShape } from '../mup/shapes';
import { refGptForwardBackward, type RefGptConfig, type RefParams } from '../reference/gpt';
import { Rng } from '../util/random';
import { useGpu } from '../../test/gpu';
import { GptGpu, gptDims, type GptMultipliers } from './gpt';
import { packParams, unpackParams } from './layout';

const gpu = useGpu();

function randomParams(model: GptGpu, rng: Rng): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const slot of model.layout.slots) {
    const gain = slot.name.endsWith('.gain');
    out[slot.name] = Float32Array.from(
      { length: slot.size },
      () => (gain ? 1 : 0) + 0.3 * rng.normal(),
    );
  }
  return out;
}

function refConfig(model: GptGpu, mult: GptMultipliers): RefGptConfig {
  return { ...gptDims(model.options.shape), ...mult, lnEps: 1e-5 };
}

/** Largest |got - want| relative to the largest |want| of the tensor. */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return Number.isNaN(err) ? Infinity : err / Math.max(scale, 1e-30);
}

/** `passes` > 1 runs the same step again first: each pass must start from fresh gradients. */
async function compare(
  shape: GptShape,
  mult: GptMultipliers,
  batch: number,
  runs: number,
  passes = 1,
) {
  const ctx = gpu();
  const model = await GptGpu.create(ctx, { shape, multipliers: mult, batch, runs });
  const rng = new Rng(11);
  const perRun = Array.from({ length: runs }, () => randomParams(model, rng));
  model.writeParams(packParams(model.layout, perRun));
  const T = shape.context;
  const tokens = Uint32Array.from({ length: batch * T }, () => rng.int(shape.vocab));
  const targets = Uint32Array.from({ length: batch * T }, () => rng.int(shape.vocab));
  model.writeBatch(tokens, targets);
  for (let i = 0; i < passes; i++) await runOps(ctx, model.stepOps);
  const losses = await readTensor(ctx, model.lossOp.loss);
  const grads = unpackParams(model.layout, await readTensor(ctx, model.grads));
  const worst: Record<string, number> = {};
  for (let k = 0; k < runs; k++) {
    const params: RefParams = {};
    for (const [name, v] of Object.entries(perRun[k])) params[name] = Float64Array.from(v);
    const ref = refGptForwardBackward(refConfig(model, mult), params, tokens, targets, batch);
    expect(Math.abs(losses[k] - ref.loss) / ref.loss).toBeLessThan(2e-6);
    for (const [name, g] of Object.entries(ref.grads)) {
      worst[name] = Math.max(worst[name] ?? 0, relErr(grads[k][name], g));
    }
  }
  model.release();
  return worst;
}

const mult = { inputMult: 1.5, attnScale: 0.35, residualMult: 0.7, readoutMult: 0.8 };

/**
 * Each gradient passes through a chain of f32 matmuls, layernorms and softmaxes (sums of up to
 * B·T·width terms). Measured on SwiftShader: at most 1.4e-6 of the tensor's largest gradient.
 * 1e-5 leaves ~7x headroom, while a wrong index, factor or missing term gives errors of order 1.
 */
const GRAD_TOL = 1e-5;

describe('GPT on the GPU vs the float64 reference', () => {
  const small: GptShape = {
    width: 16,
    depth: 1,
    heads: 2,
    context: 8,
    vocab: 11,
    tiedReadout: false,
    biases: true,
  };
  // [what, shape, batch, stacked runs, steps]
  const cases: [string, GptShape, number, number, number][] = [
    ['loss and every gradient (untied, biases)', { ...small, depth: 2 }, 2, 1, 1],
    [
      'a tied readout, no biases and an awkward width',
      { ...small, width: 24, heads: 3, context: 7, vocab: 13, tiedReadout: true, biases: false },
      3,
      1,
      1,
    ],
    [
      'a second step from fresh gradients (tied readout: pos_emb did accumulate)',
      { ...small, tiedReadout: true },
      2,
      1,
      2,
    ],
    ['two stacked runs with their own parameters', small, 8, 2, 1],
  ];
  it.each(cases)('matches: %s', async (_, shape, batch, runs, passes) => {
    const worst = await compare(shape, mult, batch, runs, passes);
    for (const [name, e] of Object.entries(worst)) expect(e, name).toBeLessThan(GRAD_TOL);
  });

  it('refuses to stack runs whose rows cannot be bound separately', async () => {
    const shape = {
      width: 16,
      depth: 1,
      heads: 2,
      context: 7,
      vocab: 11,
      tiedReadout: false,
      biases: false,
    };
    await expect(
      GptGpu.create(gpu(), { shape, multipliers: mult, batch: 3, runs: 2 }),
    ).rejects.toThrow(/multiple of 64/);
  });
});
