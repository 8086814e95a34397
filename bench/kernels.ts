/**
 * `npm run bench -- kernels --out FILE`: matmul (ours vs TensorFlow.js's WebGPU backend, same
 * device), attention forward/backward and AdamW, on whatever adapter this machine has. Prints
 * tables as it goes and writes one JSON document. Options come from scripts/bench.mjs as
 * environment variables (MUP_BENCH_*), since Vitest runs this file.
 */
import { adapterLabel, releaseGpu } from '../src/gpu';
import { acquireNodeGpu } from '../src/gpu/node';
import { MATMUL_VARIANTS, type MatmulVariant } from '../src/ops/matmul';
import { subgroupLanes } from '../src/ops/subgroups';
import { benchMatmul, matmulCases, type MatmulRow } from './matmul';
import { benchAdamW, benchAttention, type AdamWRow, type AttentionRow, type Section } from './ops';
import { fmt, machineInfo, setUpPeer, Table, writeResult } from './table';
import { benchReductionVariants, reductionProblems, type VariantRow } from './variants';
import { setUpJaxjs, type JaxjsBench } from './jaxjs';
import { setUpTfjs, type TfjsBench } from './tfjs';
import { createTimer, DEFAULT_POLICY, type RepeatPolicy } from '../src/gpu/timing';

export interface KernelBenchOptions {
  out?: string;
  /** A small subset of every section, for a smoke run. */
  quick: boolean;
  /** On a CPU adapter, also the width-512 MLP shapes (left out by default for time). */
  full: boolean;
  /** Sections to run: matmul, attention, adamw, reductions. */
  only: ReadonlySet<string>;
  allVariants: boolean;
  /** The matmul variants --all-variants times beside the chosen one (--variants LIST; default all). */
  variants: readonly MatmulVariant[];
  tfjs: boolean;
  jaxjs: boolean;
  /** Overrides DEFAULT_POLICY.minSampleMs. */
  minSampleMs?: number;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): KernelBenchOptions {
  const only = (env.MUP_BENCH_ONLY ?? 'matmul,attention,adamw,reductions')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s);
  return {
    out: env.MUP_BENCH_OUT || undefined,
    quick: env.MUP_BENCH_QUICK === '1',
    full: env.MUP_BENCH_FULL === '1',
    only: new Set(only),
    allVariants: env.MUP_BENCH_ALL_VARIANTS === '1' || env.MUP_BENCH_VARIANTS !== undefined,
    variants: matmulVariantsFrom(env.MUP_BENCH_VARIANTS),
    tfjs: env.MUP_BENCH_NO_TFJS !== '1',
    jaxjs: env.MUP_BENCH_NO_JAXJS !== '1',
    minSampleMs: env.MUP_BENCH_MIN_SAMPLE_MS ? Number(env.MUP_BENCH_MIN_SAMPLE_MS) : undefined,
  };
}

/** A comma-separated list of matmul variants (undefined: all); throws naming an unknown one. */
function matmulVariantsFrom(list: string | undefined): readonly MatmulVariant[] {
  if (list === undefined) return MATMUL_VARIANTS;
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s)
    .map((name) => {
      const known = MATMUL_VARIANTS.find((v) => v === name);
      if (!known)
        throw new Error(
          `--variants: unknown matmul variant ${name} (${MATMUL_VARIANTS.join(', ')})`,
        );
      return known;
    });
}

function geomean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

export async function runKernelBench(opts: KernelBenchOptions): Promise<unknown> {
  const started = new Date();
  const t0 = performance.now();
  const ctx = await acquireNodeGpu();
  const adapter = adapterLabel(ctx.adapter);
  const timer = createTimer(ctx);
  const log = (s = '') => console.log(s);
  log(`adapter: ${adapter}`);
  log(`timing: ${timer.method}, median of repeats after one warm-up run`);

  const cpu = ctx.adapter.isFallback;
  const squares = opts.quick ? [256] : cpu ? [256, 512, 1024] : [256, 512, 1024, 2048];
  const widths = opts.quick ? [64] : [64, 128, 256, 512];
  // On a CPU adapter TF.js takes 5-30 s per width-512 MLP matmul (d -> 2048): without --full
  // those 6 rows are left out (the whole run took 6.8 min on 2 shared cores, 11.6 min with them).
  const maxHidden = cpu && !opts.full ? 1024 : Infinity;
  const policy: RepeatPolicy = {
    ...DEFAULT_POLICY,
    ...(opts.minSampleMs ? { minSampleMs: opts.minSampleMs } : {}),
  };

  let tfjs: TfjsBench | null = null;
  let tfjsNote: string | undefined;
  let jaxjs: JaxjsBench | null = null;
  let jaxjsNote: string | undefined;
  const result: Record<string, unknown> = {};
  try {
    let matmul: Section<MatmulRow> = { skipped: 'not selected (MUP_BENCH_ONLY)', rows: [] };
    if (opts.only.has('matmul')) {
      if (opts.tfjs) {
        ({ peer: tfjs, note: tfjsNote } = await setUpPeer('TF.js', () => setUpTfjs(ctx), log));
      }
      if (opts.jaxjs) {
        ({ peer: jaxjs, note: jaxjsNote } = await setUpPeer('jax-js', () => setUpJaxjs(ctx), log));
        if (jaxjs) log(`jax-js: ${jaxjs.version} on ${jaxjs.adapter}`);
      }
      log(
        '\nmatmul: C = op(A) op(B), GFLOP/s = 2 M K N / time; ratio = ours / TF.js, ' +
          'ratioJax = ours / jax-js',
      );
      const table = new Table([
        { title: 'case', width: 24 },
        { title: 'M x K x N', width: 16 },
        { title: 'transpose', width: 9 },
        { title: 'kernel', width: 8 },
        { title: 'ours ms', width: 9, right: true },
        { title: 'GFLOP/s', width: 8, right: true },
        { title: 'tfjs ms', width: 9, right: true },
        { title: 'GFLOP/s', width: 8, right: true },
        { title: 'ratio', width: 6, right: true },
        { title: 'ratio(min)', width: 10, right: true },
        { title: 'jax ms', width: 9, right: true },
        { title: 'GFLOP/s', width: 8, right: true },
        { title: 'ratioJax', width: 8, right: true },
        { title: 'other variants (GFLOP/s)', width: 24 },
      ]);
      table.header();
      const rows = await benchMatmul(ctx, matmulCases(widths, squares, maxHidden), {
        tfjs,
        jaxjs,
        timer,
        policy,
        allVariants: opts.allVariants,
        variants: opts.variants,
        onRow: (r) =>
          table.row([
            r.role,
            r.shape.join('x'),
            r.variant,
            r.ours.kernel,
            fmt(r.ours.ms),
            fmt(r.ours.gflops),
            fmt(r.tfjs?.ms),
            fmt(r.tfjs?.gflops),
            fmt(r.ratio),
            fmt(r.ratioMin),
            fmt(r.jaxjs?.ms),
            fmt(r.jaxjs?.gflops),
            fmt(r.ratioJax),
            (r.others ?? []).map((x) => `${x.kernel} ${fmt(x.gflops)}`).join(', '),
          ]),
      });
      const ratios = rows.map((r) => r.ratio).filter((x): x is number => x !== null);
      const jaxRatios = rows.map((r) => r.ratioJax).filter((x): x is number => x !== null);
      const minRatios = rows.map((r) => r.ratioMin).filter((x): x is number => x !== null);
      const summary = {
        minRatio: ratios.length ? Math.min(...ratios) : null,
        maxRatio: ratios.length ? Math.max(...ratios) : null,
        geomeanRatio: geomean(ratios),
        minRatioOfMins: minRatios.length ? Math.min(...minRatios) : null,
        geomeanRatioOfMins: geomean(minRatios),
        minRatioJax: jaxRatios.length ? Math.min(...jaxRatios) : null,
        geomeanRatioJax: geomean(jaxRatios),
        maxRatioJax: jaxRatios.length ? Math.max(...jaxRatios) : null,
      };
      log(
        `ratio ours/TF.js: min ${fmt(summary.minRatio)}, geomean ${fmt(summary.geomeanRatio)}, ` +
          `max ${fmt(summary.maxRatio)}; from fastest samples: min ` +
          `${fmt(summary.minRatioOfMins)}, geomean ${fmt(summary.geomeanRatioOfMins)}`,
      );
      log(
        `ratio ours/jax-js: min ${fmt(summary.minRatioJax)}, geomean ` +
          `${fmt(summary.geomeanRatioJax)}, max ${fmt(summary.maxRatioJax)}`,
      );
      matmul = { rows, ...(tfjsNote ? { skipped: tfjsNote } : {}) };
      result.matmul = {
        ...matmul,
        summary,
        tfjsVersion: tfjs?.version ?? null,
        jaxjsVersion: jaxjs?.version ?? null,
        jaxjsAdapter: jaxjs?.adapter ?? null,
        ...(jaxjsNote ? { jaxjsSkipped: jaxjsNote } : {}),
      };
    } else {
      result.matmul = matmul;
    }

    let attention: Section<AttentionRow> = { skipped: 'not selected (MUP_BENCH_ONLY)', rows: [] };
    if (opts.only.has('attention')) {
      log('\nattention (causal, batch 2 x 4 heads): GFLOP/s counts the causal half only');
      const table = new Table([
        { title: 'T', width: 5, right: true },
        { title: 'D', width: 4, right: true },
        { title: 'variant', width: 9 },
        { title: 'fwd ms', width: 9, right: true },
        { title: 'GFLOP/s', width: 8, right: true },
        { title: 'bwd ms', width: 9, right: true },
        { title: 'GFLOP/s', width: 8, right: true },
        { title: 'other variants (fwd ms / bwd ms)', width: 32 },
      ]);
      table.header();
      attention = await benchAttention(
        ctx,
        opts.quick ? [64] : [64, 128, 256],
        opts.quick ? [16, 64] : [16, 32, 64],
        {
          timer,
          policy,
          allVariants: opts.allVariants,
          onRow: (r) =>
            table.row([
              String(r.context),
              String(r.headSize),
              r.variant,
              fmt(r.forward.ms),
              fmt(r.forward.gflops),
              fmt(r.backward.ms),
              fmt(r.backward.gflops),
              (r.others ?? [])
                .map((x) => `${x.variant} ${fmt(x.forward.ms)} / ${fmt(x.backward.ms)}`)
                .join(', '),
            ]),
        },
      );
      if (attention.skipped) log(`attention skipped: ${attention.skipped}`);
    }
    result.attention = attention;

    let adamw: Section<AdamWRow> = { skipped: 'not selected (MUP_BENCH_ONLY)', rows: [] };
    if (opts.only.has('adamw')) {
      log('\nAdamW step (8 tensors, clip on): GB/s = 32 bytes per parameter / time');
      const table = new Table([
        { title: 'params', width: 10, right: true },
        { title: 'ms', width: 9, right: true },
        { title: 'GB/s', width: 8, right: true },
      ]);
      table.header();
      adamw = await benchAdamW(ctx, opts.quick ? [1 << 18] : [1 << 18, 1 << 20, 1 << 22], {
        timer,
        policy,
        onRow: (r) => table.row([String(r.params), fmt(r.ms), fmt(r.gbps)]),
      });
      if (adamw.skipped) log(`adamw skipped: ${adamw.skipped}`);
    }
    result.adamw = adamw;

    let reductions: Section<VariantRow> = {
      skipped: 'not selected (MUP_BENCH_ONLY)',
      rows: [],
    };
    if (opts.only.has('reductions')) {
      log(
        '\nreduction variants (layernorm forward + backward, cross-entropy, AdamW step), each vs ' +
          "the thresholds' choice in one round-robin run:",
      );
      const table = new Table([
        { title: 'kernel', width: 13 },
        { title: 'shape', width: 8 },
        { title: 'variant', width: 9 },
        { title: 'ms', width: 9, right: true },
        { title: 'speedup', width: 7, right: true },
      ]);
      table.header();
      reductions = await benchReductionVariants(
        ctx,
        reductionProblems(opts.quick, subgroupLanes(ctx.features) > 0),
        {
          timer,
          policy,
          onRow: (r) =>
            table.row([
              r.kernel,
              r.shapeClass,
              r.variant + (r.variant === r.threshold ? '*' : ''),
              fmt(r.ms),
              `${r.speedup.toFixed(2)}x`,
            ]),
        },
      );
      log("(* the thresholds' choice; speedup = its ms / the variant's ms)");
    }
    result.reductions = reductions;
  } finally {
    tfjs?.dispose();
    timer.destroy();
    releaseGpu(ctx);
  }

  const seconds = (performance.now() - t0) / 1e3;
  const doc = {
    format: 'mup-lab/bench',
    version: 1,
    suite: 'kernels',
    startedAt: started.toISOString(),
    seconds,
    adapter,
    adapterInfo: ctx.adapter,
    features: ctx.features,
    timing: timer.method,
    policy,
    quick: opts.quick,
    full: opts.full,
    environment: {
      ...machineInfo(),
    },
    ...result,
  };
  log(`\ndone in ${fmt(seconds)} s`);
  writeResult(opts.out, doc, log);
  return doc;
}
