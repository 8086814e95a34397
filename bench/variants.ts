/**
 * The reduction kernels' variants side by side (`--only reductions`): layernorm, cross-entropy
 * and AdamW on the lab GPT's shapes (batch 16 x T 64 = 1024 rows, vocab 96; AdamW over the
 * parameter counts of widths 64-256), every variant that applies on this device timed in one
 * round-robin measurement per problem, each with its ratio to the thresholds' choice. Problems
 * are prepared by the tuner's harness from each kernel's entry (src/tune/kernels/), so this times
 * what the tuner times.
 */
import type { GpuContext } from '../src/gpu';
import { measure, type GpuTimer, type RepeatPolicy, type Timing } from '../src/gpu/timing';
import { prepareProblem, type TimedOps } from '../src/tune/harness';
import { candidateVariants, shapeClassOf, type KernelProblem } from '../src/tune/problems';
import type { Section } from './ops';

export interface VariantRow {
  kernel: string;
  shapeClass: string;
  variant: string;
  /** The variant the thresholds pick for this problem on this adapter. */
  threshold: string;
  ms: number;
  /** The thresholds' variant's ms / this variant's ms: above 1 is faster than today's default. */
  speedup: number;
  timing: Timing;
}

/** The lab GPT's reduction problems (quick: one of each kernel) on a device with or without subgroups. */
export function reductionProblems(quick: boolean, subgroups: boolean): KernelProblem[] {
  const rows = 1024;
  const widths = quick ? [64] : [64, 128, 256];
  // AdamW over 2^17, 2^19, 2^21 parameters in 26 tensors (the GPT at widths ~64, 128, 256).
  const params = quick ? [1 << 17] : [1 << 17, 1 << 19, 1 << 21];
  return [
    ...widths.map((width): KernelProblem => ({
      kernel: 'layernorm',
      problem: { width, rows, subgroups },
    })),
    { kernel: 'cross_entropy', problem: { vocab: 96, rows } },
    ...params.map((n): KernelProblem => ({ kernel: 'adamw', problem: { params: n, tensors: 26 } })),
  ];
}

export async function benchReductionVariants(
  ctx: GpuContext,
  problems: readonly KernelProblem[],
  o: { timer: GpuTimer; policy: RepeatPolicy; onRow?: (r: VariantRow) => void },
): Promise<Section<VariantRow>> {
  const rows: VariantRow[] = [];
  const env = { adapter: ctx.adapter, features: ctx.features };
  for (const p of problems) {
    const { threshold, variants } = candidateVariants(env, p);
    const prepared: TimedOps[] = [];
    try {
      for (const v of variants) prepared.push(await prepareProblem(ctx, p, v));
      const timings = await measure(
        prepared.map((t, i) => ({
          name: variants[i],
          sample: (inner: number) =>
            o.timer.time((pass) => t.ops.forEach((op) => op.encode(pass)), inner, variants[i]),
        })),
        o.policy,
      );
      const base = timings[0].ms; // the thresholds' variant comes first
      timings.forEach((timing, i) => {
        const row: VariantRow = {
          kernel: p.kernel,
          shapeClass: shapeClassOf(p),
          variant: variants[i],
          threshold,
          ms: timing.ms,
          speedup: base / timing.ms,
          timing,
        };
        rows.push(row);
        o.onRow?.(row);
      });
    } finally {
      prepared.forEach((t) => t.release());
    }
  }
  return { rows };
}
