/**
 * `npm run bench -- tune`: does the variant tuner (src/tune) pay? For the training benchmark's
 * GPT (bench/train.ts) at each width: tune its kernel problems on this adapter (budget
 * MUP_BENCH_TUNE_BUDGET_MS, default 120 s; the lab's is a few seconds), then build the step twice,
 * once with the thresholds' variants and once with the tuned ones, and time both in turn
 * (warm-up, then steps round-robin, median). `ratio` = tuned / thresholds tokens/s.
 * `--quick`: width 64 only, fewer repeats. `--force KERNEL=VARIANT` (MUP_BENCH_FORCE): no
 * tuning; the second step forces VARIANT on every problem of KERNEL instead (e.g.
 * `attention=row`, the previous default, against today's thresholds), the rest as thresholds.
 */
import { loadavg } from 'node:os';
import { adapterLabel, releaseGpu, withTunedVariants } from '../src/gpu';
import { gptKernelProblems } from '../src/model/kernelProblems';
import { acquireNodeGpu } from '../src/gpu/node';
import { DEFAULT_POLICY, measure, median, type Contender } from '../src/gpu/timing';
import { asVariant, type VariantRegistry } from '../src/ops/variants';
import { entryOf, TUNABLE_KERNELS, type TunableKernel, type TunedTable } from '../src/tune/kernels';
import { distinctProblems, shapeClassOf, type KernelProblem } from '../src/tune/problems';
import { entryLine, tableOf, tuneVariants } from '../src/tune/tuner';
import { fmt, machineInfo, Table, writeResult } from './table';
import { BASE_WIDTH, BATCH, benchShape, CONTEXT, createOurs, randomBatches } from './train-engines';

export interface TuneBenchOptions {
  out?: string;
  quick: boolean;
  budgetMs: number;
  /** Instead of tuning, force this variant of this kernel on every one of its problems. */
  force?: { kernel: TunableKernel; variant: string };
}

function parseForce(text: string | undefined): TuneBenchOptions['force'] {
  if (!text) return undefined;
  const [kernel, variant] = text.split('=');
  if (!TUNABLE_KERNELS.includes(kernel as TunableKernel) || !variant) {
    throw new Error(
      `tune: --force needs KERNEL=VARIANT with KERNEL one of ${TUNABLE_KERNELS.join(', ')}, got ${text}`,
    );
  }
  // Throws on an unknown variant.
  const { registry } = entryOf(kernel as TunableKernel);
  asVariant(registry as VariantRegistry<string, unknown>, variant);
  return { kernel: kernel as TunableKernel, variant };
}

/** thresholds / tuned ms of each round: the median and range over the rounds. */
function pairedRatio(thresholds: readonly number[], tuned: readonly number[]) {
  const ratios = thresholds.map((t, i) => t / tuned[i]);
  return {
    median: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    rounds: ratios.length,
  };
}

/** The table that forces `force.variant` on every problem of its kernel. */
function forcedTable(
  problems: readonly KernelProblem[],
  force: NonNullable<TuneBenchOptions['force']>,
): TunedTable {
  const classes = problems
    .filter((p) => p.kernel === force.kernel)
    .map((p) => [shapeClassOf(p), force.variant]);
  return { [force.kernel]: Object.fromEntries(classes) };
}

export function tuneOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TuneBenchOptions {
  const budget = Number(env.MUP_BENCH_TUNE_BUDGET_MS ?? 120_000);
  if (!(budget >= 0)) throw new Error(`tune: MUP_BENCH_TUNE_BUDGET_MS must be >= 0`);
  return {
    out: env.MUP_BENCH_OUT || undefined,
    quick: env.MUP_BENCH_QUICK === '1',
    budgetMs: budget,
    force: parseForce(env.MUP_BENCH_FORCE),
  };
}

export async function runTuneBench(opts: TuneBenchOptions): Promise<unknown> {
  const log = (s = '') => console.log(s);
  const loadAtStart = loadavg();
  const ctx = await acquireNodeGpu();
  const adapter = adapterLabel(ctx.adapter);
  log(`adapter: ${adapter}`);
  const widths = opts.quick ? [64] : [64, 128];
  const policy = opts.quick
    ? { ...DEFAULT_POLICY, budgetMs: 2000, minReps: 3, maxReps: 5 }
    : { ...DEFAULT_POLICY, budgetMs: 10000, minReps: 5, maxReps: 9 };
  const batches = randomBatches(8, 1);
  const base = benchShape(BASE_WIDTH);
  const rows = [];
  const table = new Table([
    { title: 'width', width: 5, right: true },
    { title: 'tuned shapes', width: 12, right: true },
    { title: 'differ', width: 6, right: true },
    { title: 'thresholds ms/step', width: 18, right: true },
    { title: opts.force ? 'forced ms/step' : 'tuned ms/step', width: 13, right: true },
    { title: 'ratio', width: 6, right: true },
    { title: 'paired ratio (min-max)', width: 22, right: true },
  ]);
  const lines: string[][] = [];
  try {
    for (const width of widths) {
      const shape = benchShape(width);
      const problems = distinctProblems(gptKernelProblems({ shape, batch: BATCH }, ctx.features));
      const thresholds = await createOurs(ctx, shape, base, 1);
      const tune = opts.force
        ? { millis: 0, timing: 'none', entries: [], skipped: 0 }
        : await tuneVariants(ctx, problems, { budgetMs: opts.budgetMs });
      const choices = opts.force ? forcedTable(problems, opts.force) : tableOf(tune.entries);
      const tuned = await createOurs(withTunedVariants(ctx, choices), shape, base, 1);
      const trainers = { thresholds, tuned };
      let i = 0;
      const contender = (name: keyof typeof trainers): Contender => ({
        name,
        async sample(inner) {
          const t0 = performance.now();
          for (let r = 0; r < inner; r++) await trainers[name].step(batches[i++ % batches.length]);
          return (performance.now() - t0) / inner;
        },
      });
      const [th, tu] = await measure([contender('thresholds'), contender('tuned')], {
        ...policy,
        minSampleMs: 0,
        maxInner: 1,
      });
      for (const t of Object.values(trainers)) t.release();
      const differ = tune.entries.filter((e) => e.chosen !== e.threshold);
      const tokens = BATCH * CONTEXT;
      const row = {
        width,
        tune: {
          millis: tune.millis,
          timing: tune.timing,
          entries: tune.entries,
          skipped: tune.skipped,
          differ: differ.length,
        },
        thresholds: {
          ms: th.ms,
          minMs: th.minMs,
          samples: th.samples,
          tokensPerSec: tokens / (th.ms / 1000),
        },
        tuned: {
          ms: tu.ms,
          minMs: tu.minMs,
          samples: tu.samples,
          tokensPerSec: tokens / (tu.ms / 1000),
        },
        ratio: th.ms / tu.ms,
        ratioMin: th.minMs / tu.minMs,
        // Round by round (the two steps of a round ran back to back, so they share its load).
        pairedRatio: pairedRatio(th.samples, tu.samples),
      };
      rows.push(row);
      lines.push([
        String(width),
        String(tune.entries.length),
        String(differ.length),
        fmt(th.ms),
        fmt(tu.ms),
        fmt(row.ratio),
        `${fmt(row.pairedRatio.median)} (${fmt(row.pairedRatio.min)}-${fmt(row.pairedRatio.max)})`,
      ]);
      log(
        `width ${width}: tuned ${tune.entries.length} shapes in ${(tune.millis / 1000).toFixed(1)} s (${tune.skipped} over budget)`,
      );
      for (const e of differ) log(`  differs: ${entryLine(e)}`);
    }
  } finally {
    releaseGpu(ctx);
  }
  table.header();
  for (const cells of lines) table.row(cells);
  const doc = {
    format: 'mup-lab/bench-tune',
    version: 1,
    adapter,
    adapterInfo: ctx.adapter,
    features: ctx.features,
    environment: { ...machineInfo(), loadAtStart, loadAtEnd: loadavg() },
    budgetMs: opts.budgetMs,
    ...(opts.force ? { forced: opts.force } : {}),
    rows,
  };
  writeResult(opts.out, doc, log);
  return doc;
}
