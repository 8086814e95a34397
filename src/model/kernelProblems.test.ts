import { describe, expect, it } from 'vitest';
import { useGpu } from '../../test/gpu';
import { withTunedVariants, type VariantTable } from '../gpu';
import type { GptShape } from '../mup/shapes';
import { shapeClassOf } from '../tune/problems';
import { GptGpu } from './gpt';
import { gptKernelProblems, type GptStepShape } from './kernelProblems';

const gpu = useGpu();

/** A table that names no variant (thresholds everywhere) and notes each kernel:shape class asked. */
function recordingTable(asked: string[]): VariantTable {
  const byKernel = (kernel: string) =>
    new Proxy(
      {},
      {
        get(_, shapeClass) {
          if (typeof shapeClass === 'string') asked.push(`${kernel}:${shapeClass}`);
          return undefined;
        },
      },
    );
  return new Proxy(
    {},
    { get: (_, kernel) => (typeof kernel === 'string' ? byKernel(kernel) : undefined) },
  );
}

const base: GptShape = {
  width: 16,
  depth: 2,
  heads: 2,
  context: 32,
  vocab: 11,
  mlpRatio: 4,
  tiedReadout: true,
  biases: false,
};

const cases: [string, GptStepShape][] = [
  ['tied, no biases', { shape: base, batch: 2 }],
  ['untied, biases', { shape: { ...base, tiedReadout: false, biases: true }, batch: 1 }],
  ['3 stacked runs', { shape: { ...base, width: 24, heads: 3, depth: 1 }, batch: 2, runs: 3 }],
];

describe('the op list as data (gptKernelProblems)', () => {
  it.each(cases)('%s: lists the choices a built model makes, op by op', async (_, step) => {
    const ctx = gpu();
    const asked: string[] = [];
    const model = await GptGpu.create(withTunedVariants(ctx, recordingTable(asked)), {
      ...step,
      multipliers: { inputMult: 1, attnScale: 0.125, residualMult: 1, readoutMult: 1 },
    });
    model.release();
    const listed = gptKernelProblems(step, ctx.features).map(
      (p) => `${p.kernel}:${shapeClassOf(p)}`,
    );
    expect(listed).toEqual(asked);
  });
});
