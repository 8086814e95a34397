/**
 * The kernel problems a planned sweep will run: each distinct model of the plan (shape, batch,
 * stacked runs) is built once, its ops prepared under the tuner's problem collector, and
 * released. The pipelines it compiles stay cached for the sweep itself.
 */
import type { GpuContext } from '../gpu';
import { GptGpu } from '../model/gpt';
import { collectProblems, type KernelProblem } from '../tune/problems';
import type { SweepConfig } from './config';
import { planRuns, runShapeOf, stacksOf } from './plan';

/** Multipliers do not change which kernels run on which shapes. */
const UNIT_MULTIPLIERS = { inputMult: 1, attnScale: 1, residualMult: 1, readoutMult: 1 };

export async function sweepKernelProblems(
  ctx: GpuContext,
  config: SweepConfig,
  vocab: number,
): Promise<KernelProblem[]> {
  const models = new Map<string, { width: number; depth: number; runs: number }>();
  for (const stack of stacksOf(config, planRuns(config))) {
    const { width, depth } = stack[0];
    models.set(`${width}:${depth}:${stack.length}`, { width, depth, runs: stack.length });
  }
  return collectProblems(async () => {
    for (const { width, depth, runs } of models.values()) {
      const model = await GptGpu.create(ctx, {
        shape: runShapeOf(config, { width, depth }, vocab),
        multipliers: UNIT_MULTIPLIERS,
        batch: config.train.batch,
        runs,
      });
      model.release();
    }
  });
}
