/**
 * The kernel problems a planned sweep will run, one per kernel and shape class: each distinct
 * model of the plan (shape, batch, stacked runs) gives its op list as data
 * (src/model/kernelProblems.ts); no model is built.
 */
import type { GpuFeatures } from '../gpu';
import { gptKernelProblems } from '../model/kernelProblems';
import { distinctProblems, type KernelProblem } from '../tune/problems';
import type { SweepConfig } from './config';
import { planRuns, runShapeOf, stacksOf } from './plan';

export function sweepKernelProblems(
  features: GpuFeatures,
  config: SweepConfig,
  vocab: number,
): KernelProblem[] {
  const problems: KernelProblem[] = [];
  const seen = new Set<string>();
  for (const stack of stacksOf(config, planRuns(config))) {
    const { width, depth } = stack[0];
    const key = `${width}:${depth}:${stack.length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const shape = runShapeOf(config, { width, depth }, vocab);
    problems.push(
      ...gptKernelProblems({ shape, batch: config.train.batch, runs: stack.length }, features),
    );
  }
  return distinctProblems(problems);
}
