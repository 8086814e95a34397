/**
 * The variant tuner: for each problem, self-tests every applicable variant of its kernel once
 * (its entry's self-test case, src/tune/kernels/, with the variant forced), times those that pass with
 * the benchmarks' timer (src/gpu/timing.ts), samples taken round-robin across the variants (the
 * fastest counts), and picks the fastest (the thresholds' variant when it is within KEEP_MARGIN
 * of the fastest). Within a time budget: the thresholds' variant of a problem is timed first, and
 * once the budget is spent the remaining problems are left to the thresholds (no entry).
 */
import { adapterLabel, type GpuContext, type KernelSource } from '../gpu';
import { createTimer, innerFor, DEFAULT_POLICY } from '../gpu/timing';
import { runSelfTest, withKernelOverrides } from '../ops/selftest';
import { prepareProblem, type TimedOps } from './harness';
import { entryOf, type TunableKernel, type TunedTable } from './kernels';
import { candidateVariants, shapeClassOf, type KernelProblem } from './problems';

export interface CandidateResult {
  variant: string;
  /** False: failed its self-test, never timed, never chosen. */
  selfTestPassed: boolean;
  /**
   * ms of one run (forward and backward where the kernel has both): the fastest of its samples,
   * since background load only ever slows a run down (on a CPU adapter the median of a few
   * samples moved by up to 2x between tunings); absent if not timed.
   */
  ms?: number;
  /** Why it failed or was not timed. */
  note?: string;
}

export interface TunedEntry {
  kernel: TunableKernel;
  shapeClass: string;
  chosen: string;
  /** What the thresholds pick for this problem on this adapter. */
  threshold: string;
  candidates: CandidateResult[];
}

export interface TuneResult {
  adapter: string;
  timing: string;
  entries: TunedEntry[];
  /** Problems left to the thresholds because the budget ran out. */
  skipped: number;
  millis: number;
}

export interface TuneProgress {
  done: number;
  total: number;
  /** What is being measured now, e.g. 'matmul 1024x64x64 tB: tiled64'. */
  current: string;
}

export interface TuneOptions {
  /** Stop starting new measurements after this many ms (default DEFAULT_TUNE_BUDGET_MS). */
  budgetMs?: number;
  onProgress?: (p: TuneProgress) => void;
  /** Kernel sources compiled in place of the shipped ones (tests: inject a broken variant). */
  overrides?: readonly KernelSource[];
  /** Samples per timed candidate (the fastest counts); default 5. */
  samples?: number;
  /** A sample lasts at least this long (ops encoded several times); default 5 ms. */
  minSampleMs?: number;
}

export const DEFAULT_TUNE_BUDGET_MS = 4000;

/**
 * The thresholds' variant is kept unless another is faster than its time divided by this: a
 * few samples of a CPU adapter under load differ by more than 5 % from run to run, and a choice
 * made on such a difference made the tuned step slower than the thresholds' (0.85-0.98x).
 */
export const KEEP_MARGIN = 1.1;

/** A candidate whose first run takes this many times the fastest first run so far gets no more samples. */
const PRUNE_FACTOR = 2;

const fmtMs = (ms: number | undefined) =>
  ms === undefined ? 'not timed' : ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`;

/** One line per entry, e.g. 'matmul 1024x64x64 tB: direct 6.80 ms (thresholds: direct; tiled64 30 ms, ...)'. */
export function entryLine(e: TunedEntry): string {
  const chosen = e.candidates.find((c) => c.variant === e.chosen);
  const others = e.candidates
    .filter((c) => c.variant !== e.chosen)
    .map((c) => `${c.variant} ${c.selfTestPassed ? fmtMs(c.ms) : 'failed self-test'}`);
  return (
    `${e.kernel} ${e.shapeClass}: ${e.chosen} ${fmtMs(chosen?.ms)} (thresholds: ${e.threshold}` +
    (others.length > 0 ? `; ${others.join(', ')})` : ')')
  );
}

export function tableOf(entries: readonly TunedEntry[]): TunedTable {
  const table: TunedTable = {};
  for (const e of entries) (table[e.kernel] ??= {})[e.shapeClass] = e.chosen;
  return table;
}

export async function tuneVariants(
  ctx: GpuContext,
  problems: readonly KernelProblem[],
  options: TuneOptions = {},
): Promise<TuneResult> {
  const start = performance.now();
  const budget = options.budgetMs ?? DEFAULT_TUNE_BUDGET_MS;
  const tctx = withKernelOverrides(ctx, options.overrides ?? []);
  const env = { adapter: ctx.adapter, features: ctx.features };
  const policy = { ...DEFAULT_POLICY, minSampleMs: options.minSampleMs ?? 5 };
  const samples = options.samples ?? 5;
  const selfTests = new Map<string, { passed: boolean; detail: string }>();
  // Matmuls first: most of a training step's time, so the most a tight budget can win.
  const ordered = [...problems].sort((a, b) => +(b.kernel === 'matmul') - +(a.kernel === 'matmul'));
  const plan = ordered.map((p) => ({ p, ...candidateVariants(env, p) }));
  const total = plan.reduce((n, x) => n + x.variants.length, 0);
  let done = 0;
  const entries: TunedEntry[] = [];
  let skipped = 0;
  const timer = createTimer(ctx);
  try {
    for (const { p, threshold, variants } of plan) {
      const shapeClass = shapeClassOf(p);
      if (performance.now() - start > budget) {
        skipped++;
        done += variants.length;
        continue;
      }
      const candidates: CandidateResult[] = [];
      // Every candidate that passes its self-test is prepared and run once (compiles, uploads;
      // a clearly slower one stops there), then the rest are sampled round-robin, so that a
      // change of background load hits all of them alike rather than whichever ran last.
      const contenders: { result: CandidateResult; prepared: TimedOps; inner: number }[] = [];
      const encoder = (prepared: TimedOps) => (pass: GPUComputePassEncoder) => {
        for (const op of prepared.ops) op.encode(pass);
      };
      try {
        for (const variant of variants) {
          options.onProgress?.({ done, total, current: `${p.kernel} ${shapeClass}: ${variant}` });
          done++;
          if (candidates.length > 0 && performance.now() - start > budget) {
            candidates.push({ variant, selfTestPassed: true, note: 'not timed: budget spent' });
            continue;
          }
          const key = `${p.kernel}:${variant}`;
          let check = selfTests.get(key);
          if (!check) {
            const r = await runSelfTest(tctx, entryOf(p.kernel).selfTest, variant);
            check = { passed: r.passed, detail: r.detail };
            selfTests.set(key, check);
          }
          if (!check.passed) {
            candidates.push({ variant, selfTestPassed: false, note: `self-test: ${check.detail}` });
            continue;
          }
          const prepared = await prepareProblem(tctx, p, variant);
          const warm = await timer.time(encoder(prepared), 1, `tune ${shapeClass} ${variant}`);
          const result: CandidateResult = { variant, selfTestPassed: true, ms: warm };
          candidates.push(result);
          const best = Math.min(...contenders.map((c) => c.result.ms as number));
          if (warm > PRUNE_FACTOR * best) {
            // Clearly slower already (background load only slows runs down): save the budget.
            result.note = 'one run';
            prepared.release();
            continue;
          }
          contenders.push({ result, prepared, inner: innerFor(warm, policy) });
        }
        const times = contenders.map((): number[] => []);
        for (let round = 0; round < samples && contenders.length > 1; round++) {
          for (const [i, c] of contenders.entries()) {
            const label = `tune ${shapeClass} ${c.result.variant}`;
            times[i].push(await timer.time(encoder(c.prepared), c.inner, label));
          }
        }
        for (const [i, c] of contenders.entries()) {
          if (times[i].length > 0) c.result.ms = Math.min(...times[i]);
        }
      } finally {
        for (const c of contenders) c.prepared.release();
      }
      const timed = candidates.filter((c) => c.selfTestPassed && c.ms !== undefined);
      if (timed.length === 0) continue;
      const best = timed.reduce((a, b) => ((b.ms as number) < (a.ms as number) ? b : a));
      // A near-tie is noise, not a measurement: the thresholds' variant stays unless beaten.
      const kept = timed.find(
        (c) => c.variant === threshold && (c.ms as number) <= (best.ms as number) * KEEP_MARGIN,
      );
      const chosen = (kept ?? best).variant;
      entries.push({ kernel: p.kernel, shapeClass, chosen, threshold, candidates });
    }
  } finally {
    timer.destroy();
  }
  options.onProgress?.({ done: total, total, current: 'done' });
  return {
    adapter: adapterLabel(ctx.adapter),
    timing: timer.method,
    entries,
    skipped,
    millis: performance.now() - start,
  };
}
