/**
 * `mup-lab`: the lab's sweeps and checks, headless, on Node + Dawn. Progress goes to stderr,
 * results to --out (or stdout) as JSON. Bad input exits 2 with a one-line reason.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { acquireNodeGpu } from '../gpu/node';
import { adapterLabel, releaseGpu, type GpuContext } from '../gpu';
import { DEFAULT_HYPERPARAMS, DEPTH_ALPHAS, type Parametrization } from '../mup/rules';
import { transfer } from '../mup/transfer';
import { analyzeSweep, metricsLine, type ParametrizationAnalysis } from '../sweep/analysis';
import { coordCheck, coordVerdict } from '../sweep/coord';
import { prepareData } from '../sweep/data';
import { buildExport, LAB_VERSION } from '../sweep/export';
import { parseImport } from '../sweep/exportParse';
import { exportShapeToGpt } from '../sweep/exportShapes';
import { horizonAnalysis, horizonNeedsRuns, planHorizonRuns } from '../sweep/horizon';
import { toOutcomes } from '../sweep/outcomes';
import { planRuns, startSweep } from '../sweep/scheduler';
import type { SweepConfig } from '../sweep/config';
import { sweepKernelProblems } from '../sweep/tuning';
import type { RunRecord } from '../sweep/types';
import { ensureTuned, retune } from '../tune/cache';
import { defaultTuneCachePath, fileTuneStore } from '../tune/fileStore';
import { entryLine } from '../tune/tuner';
import {
  assertValid,
  BATCHES_FLAGS,
  configFromFlags,
  MODEL_FLAGS,
  parseFlags,
  SWEEP_FLAGS,
  UsageError,
} from './args';
import { writeBatches } from './batches';
import { loadBuiltInText } from './corpusFile';
import { writeDump, type DumpCase } from './dump';
import { goldenTables } from './golden';
import { buildPlan } from './plan';

const USAGE = `usage:
  mup-lab sweep [--preset tiny|quick|paper] --widths 32,64,128 --lr-log2=-12:-2 --steps 60 --batch 8 --context 32 \\
    --depth 2 --heads 4 --parametrization sp,mup --base-width 32 --seed 0 \\
    [--corpus synthetic|shakespeare | --text corpus.txt] [--corpus-size N] [--seeds 0,1,2] [--head-size N] [--stack K] \\
    [--depths 2,4,8] [--depth-scaling none|depth-mup|completep] [--hp init-std --grid-log2=-3:3] \\
    [--schedule cosine [--warmup N] [--horizons]] [--tune-cache FILE] [--retune | --no-tune] \\
    --out result.json
    (prints the optimum per width and across training lengths: a quarter, half and all of the
    steps, read off the runs' losses; under cosine --horizons trains the shorter lengths)
  mup-lab plan [sweep flags] [--preset tiny|quick|paper] --out plan.json
    (every run of the sweep with its hyperparameters, shapes and text, to train elsewhere:
     python -m mup_lab.sweep --plan plan.json trains them in PyTorch)
  mup-lab coord-check --widths 32,64,128,256 --steps 5 --parametrization sp,mup --out coord.json
  mup-lab coord-check --widths 64 --depths 2,4,8,16 --depth-scaling completep --parametrization mup
    (--depth-scaling none|depth-mup|completep: CompleteP, Dey et al. 2025)
  mup-lab transfer --from result.json --width 4096
  mup-lab bench kernels|train --out FILE   (same as npm run bench)
  mup-lab dump --out DIR [--widths 32,64] [--parametrization sp,mup] [--tied false,true] \\
    [--biases false,true] [--depth 2 --base-depth 1 --depth-alpha 0.5] [--steps 20] [--batch 4] \\
    [--context 16] [--heads 4] [--base-width 32] [--lr 0.01] [--clip 0.25] [--seed 0]
      (initial weights, batches and every step's loss of GPU runs, for the PyTorch parity test)
  mup-lab batches [--corpus shakespeare | --text FILE] [--context 16] [--batch 4] [--seed 0] \\
    [--count 2] --out FILE   (the train/validation split and the first batches, as the lab draws
    them, for the Python port's tests)
  mup-lab golden --out FILE   (transfer() tables for the Python port's tests)

The first sweep on an adapter times each kernel variant on its shapes (a few seconds) and caches
the choice in --tune-cache, else $MUP_LAB_TUNE_CACHE, else ~/.cache/mup-lab/tune.json.`;

function log(message: string): void {
  process.stderr.write(message + '\n');
}

function output(json: unknown, out: string | undefined): void {
  const text = JSON.stringify(json, null, 2) + '\n';
  if (out) {
    writeFileSync(out, text);
    log(`wrote ${out}`);
  } else process.stdout.write(text);
}

async function withGpu<T>(work: (ctx: GpuContext) => Promise<T>): Promise<T> {
  const ctx = await acquireNodeGpu({
    onDeviceLost: (e) => log(`error: ${e.message}`),
  });
  log(`adapter: ${adapterLabel(ctx.adapter)}`);
  try {
    return await work(ctx);
  } finally {
    releaseGpu(ctx);
  }
}

/** Installs the adapter's cached kernel choices, or times them (first sweep on an adapter, --retune). */
async function tuneForSweep(
  ctx: GpuContext,
  config: SweepConfig,
  vocab: number,
  opts: { path: string; retune: boolean },
): Promise<void> {
  const store = fileTuneStore(opts.path);
  const problems = () => sweepKernelProblems(ctx, config, vocab);
  let last = 0;
  const tuned = await (opts.retune ? retune : ensureTuned)(ctx, store, problems, {
    onMessage: log,
    onProgress: ({ done, total }) => {
      if (done === total || performance.now() - last > 1000) {
        last = performance.now();
        log(`tuning kernels: ${done}/${total}`);
      }
    },
  });
  const { entries, skipped } = tuned.record.result;
  log(
    tuned.fromCache
      ? `kernel tuning: cached in ${opts.path} (${entries.length} shapes)`
      : `kernel tuning: ${entries.length} shapes timed, ${skipped} left to the thresholds (budget); cached in ${opts.path}`,
  );
  for (const e of entries) log(`  ${entryLine(e)}`);
}

/** "[3/28] mup width 32 depth 1 log2 lr -5: final loss 2.9031 (812 tok/s)" */
function runLine(config: SweepConfig, r: RunRecord, done: number, total: number): string {
  const loss = r.diverged
    ? `diverged at step ${r.divergedAtStep}`
    : `final loss ${r.finalLoss!.toFixed(4)}`;
  const steps = r.steps === undefined ? '' : ` ${r.steps} steps`;
  return `[${done}/${total}] ${r.parametrization} width ${r.width} depth ${r.depth}${steps} log2 ${config.sweep.name} ${r.log2Hp}: ${loss} (${Math.round(r.tokensPerSec)} tok/s)`;
}

/** A parametrization's verdict, transfer metrics and optimum per scaled value (width, depth or steps). */
function logAnalysis(config: SweepConfig, a: ParametrizationAnalysis, axis: string): void {
  log(`${a.parametrization}: ${a.verdict}`);
  const metrics = metricsLine(a, axis);
  if (metrics) log(`  ${metrics}`);
  for (const o of a.optima) {
    const sd = Number.isFinite(o.fitSd) ? ` ± ${o.fitSd.toFixed(2)}` : '';
    log(
      `  ${axis} ${o.width}: optimum log2 ${config.sweep.name} = ${o.fitLog2.toFixed(2)}${sd} (grid ${o.gridLog2}, loss ${o.gridLoss.toFixed(4)})`,
    );
  }
}

/** The sweep the flags describe, checked, with its data (bad flags or text: UsageError). */
function sweepFromFlags(flags: ReturnType<typeof parseFlags<typeof SWEEP_FLAGS>>) {
  const config = configFromFlags(flags, (p) => readFileSync(p, 'utf8'));
  assertValid(config, {});
  loadBuiltInText(config.data);
  let data;
  try {
    data = prepareData(config.data, config.model.context);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  assertValid(config, { vocab: data.vocab });
  return { config, data };
}

function batches(argv: string[]): void {
  const flags = parseFlags(argv, BATCHES_FLAGS);
  const config = configFromFlags(flags, (p) => readFileSync(p, 'utf8'));
  assertValid(config, {});
  loadBuiltInText(config.data);
  const count = Number(flags.count ?? 2);
  if (!(Number.isInteger(count) && count >= 1 && count <= 100))
    throw new UsageError(`--count must be an integer from 1 to 100, got "${flags.count}"`);
  let data;
  try {
    data = prepareData(config.data, config.model.context);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  output(writeBatches(config, data, count), flags.out);
}

function plan(argv: string[]): void {
  const flags = parseFlags(argv, SWEEP_FLAGS);
  const { config, data } = sweepFromFlags(flags);
  const doc = buildPlan(config, data);
  log(`plan: ${doc.runs.length} runs on ${data.description}`);
  output(doc, flags.out);
}

async function sweep(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, SWEEP_FLAGS);
  const { config, data } = sweepFromFlags(flags);
  await withGpu(async (ctx) => {
    assertValid(config, { vocab: data.vocab, limits: ctx.limits });
    const total = planRuns(config).length;
    const records: RunRecord[] = [];
    if (!flags['no-tune']) {
      await tuneForSweep(ctx, config, data.vocab, {
        path: flags['tune-cache'] ?? defaultTuneCachePath(),
        retune: flags.retune ?? false,
      });
    }
    log(`sweep: ${total} runs on ${data.description}`);
    await startSweep(ctx, config, {
      data,
      callbacks: { onRunDone: (r) => log(runLine(config, r, records.push(r), total)) },
    }).finished;
    const analysis = analyzeSweep(toOutcomes(records, config.axis), {
      baseWidth: config.axis === 'width' ? config.baseWidth : config.baseDepth,
      axisName: config.axis,
    });
    for (const a of analysis) logAnalysis(config, a, config.axis);

    const horizonRuns: RunRecord[] = [];
    const plan = flags.horizons ? planHorizonRuns(config) : [];
    if (plan.length > 0) {
      const lengths = [...new Set(plan.map((r) => r.steps))].join(' and ');
      log(`horizons: ${plan.length} runs of ${lengths} steps, each with its own cosine schedule`);
      await startSweep(ctx, config, {
        data,
        runs: plan,
        callbacks: {
          onRunDone: (r) => log(runLine(config, r, horizonRuns.push(r), plan.length)),
        },
      }).finished;
    }
    const horizon = horizonAnalysis(config, records, horizonRuns);
    if (!horizon.ok) {
      const hint = horizonNeedsRuns(config) && !flags.horizons ? ' (--horizons trains them)' : '';
      log(`across training length: ${horizon.reason}${hint}`);
    } else {
      const { scaled, steps, separate } = horizon.horizon;
      log(
        `across training length at ${config.axis} ${scaled}, ${steps.join(', ')} steps (${separate ? 'separate runs' : 'read off the same runs'}):`,
      );
      for (const a of horizon.horizon.analyses) logAnalysis(config, a, 'steps');
    }
    const doc = buildExport({
      config,
      records,
      horizonRuns,
      vocab: data.vocab,
      targetWidth: Math.max(...config.widths),
      analysis,
      environment: {
        adapter: adapterLabel(ctx.adapter),
        labVersion: LAB_VERSION,
        date: new Date(),
      },
    });
    output(doc, flags.out);
  });
}

async function coord(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, MODEL_FLAGS);
  const config = configFromFlags({ ...flags, widths: flags.widths ?? '32,64,128,256' }, (p) =>
    readFileSync(p, 'utf8'),
  );
  assertValid(config, {});
  loadBuiltInText(config.data);
  const steps = Number(flags.steps ?? 5);
  const data = prepareData(config.data, config.model.context);
  await withGpu(async (ctx) => {
    assertValid(config, { vocab: data.vocab, limits: ctx.limits });
    const records = await coordCheck(ctx, config, {
      widths: config.widths,
      depths: config.axis === 'depth' ? config.depths : undefined,
      steps,
      data,
      onProgress: (done, total) => log(`coord-check: ${done}/${total}`),
    });
    for (const v of coordVerdict(records))
      log(`${v.parametrization} ${v.layer}: log-log slope vs ${config.axis} ${v.slope.toFixed(2)}`);
    output({ adapter: adapterLabel(ctx.adapter), records }, flags.out);
  });
}

function transferCommand(argv: string[]): void {
  const flags = parseFlags(argv, {
    from: { type: 'string' },
    width: { type: 'string' },
    depth: { type: 'string' },
    out: { type: 'string' },
  } as never) as Record<string, string | undefined>;
  if (!flags.from) throw new UsageError('transfer needs --from result.json');
  let text: string;
  try {
    text = readFileSync(flags.from, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read ${flags.from}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const parsed = parseImport(text);
  if (!parsed.ok) throw new UsageError(`${flags.from}: ${parsed.message}`);
  const doc = parsed.doc;
  const base = exportShapeToGpt(doc.base);
  const width = Number(flags.width ?? base.width);
  if (!Number.isInteger(width) || width < 1)
    throw new UsageError(`--width must be a positive integer, got "${flags.width}"`);
  const depth = Number(flags.depth ?? base.depth);
  let result;
  try {
    result = transfer(doc.hyperparameters, doc.parametrization, base, { ...base, width, depth });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  output(result, flags.out);
}

const DUMP_FLAGS = {
  out: { type: 'string' },
  widths: { type: 'string', default: '32,64' },
  parametrization: { type: 'string', default: 'sp,mup' },
  tied: { type: 'string', default: 'false,true' },
  biases: { type: 'string', default: 'false,true' },
  depth: { type: 'string', default: '2' },
  'base-depth': { type: 'string', default: '1' },
  'depth-alpha': { type: 'string', default: '0.5' },
  'base-width': { type: 'string', default: '32' },
  heads: { type: 'string', default: '4' },
  context: { type: 'string', default: '16' },
  steps: { type: 'string', default: '20' },
  batch: { type: 'string', default: '4' },
  lr: { type: 'string', default: '0.01' },
  clip: { type: 'string', default: '0.25' },
  seed: { type: 'string', default: '0' },
} as const;

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--${flag} must be a positive integer, got "${v}"`);
  return n;
}

function positiveNumber(flag: string, v: string, allowZero = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !allowZero))
    throw new UsageError(
      `--${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${v}"`,
    );
  return n;
}

function booleans(flag: string, v: string): boolean[] {
  return v.split(',').map((x) => {
    if (x.trim() === 'true') return true;
    if (x.trim() === 'false') return false;
    throw new UsageError(`--${flag} takes true, false or false,true, got "${v}"`);
  });
}

/** Parity cases: the product of the listed parametrizations, widths, readouts and biases. */
export function dumpCases(argv: string[]): {
  out: string;
  cases: DumpCase[];
  run: { steps: number; batch: number; seed: number; corpusSeed: number; corpusSize: number };
} {
  let f;
  try {
    f = parseArgs({ args: argv, options: DUMP_FLAGS, strict: true }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  if (!f.out) throw new UsageError('dump needs --out DIR');
  const params = f.parametrization.split(',').map((p) => p.trim());
  if (params.some((p) => p !== 'sp' && p !== 'mup'))
    throw new UsageError(`--parametrization takes sp, mup or sp,mup, got "${f.parametrization}"`);
  const alpha = Number(f['depth-alpha']);
  if (!(DEPTH_ALPHAS as readonly number[]).includes(alpha))
    throw new UsageError(
      `--depth-alpha must be one of ${DEPTH_ALPHAS.join(', ')}, got "${f['depth-alpha']}"`,
    );
  const hp = {
    ...DEFAULT_HYPERPARAMS,
    lr: positiveNumber('lr', f.lr),
    clip: positiveNumber('clip', f.clip, true),
    depthAlpha: alpha as (typeof DEPTH_ALPHAS)[number],
  };
  const depth = positiveInt('depth', f.depth);
  const baseDepth = positiveInt('base-depth', f['base-depth']);
  const baseWidth = positiveInt('base-width', f['base-width']);
  const heads = positiveInt('heads', f.heads);
  const context = positiveInt('context', f.context);
  const widths = f.widths.split(',').map((w) => positiveInt('widths', w.trim()));
  const cases: DumpCase[] = [];
  for (const p of params as Parametrization[])
    for (const width of widths)
      for (const tiedReadout of booleans('tied', f.tied))
        for (const biases of booleans('biases', f.biases)) {
          // vocab is set from the corpus when the case runs.
          const shape = { width, depth, heads, context, vocab: 1, tiedReadout, biases };
          cases.push({
            id: `${p}_w${width}_d${depth}_${tiedReadout ? 'tied' : 'untied'}_${biases ? 'bias' : 'nobias'}`,
            parametrization: p,
            hp,
            base: { ...shape, width: baseWidth, depth: baseDepth },
            target: shape,
          });
        }
  return {
    out: f.out,
    cases,
    run: {
      steps: positiveInt('steps', f.steps),
      batch: positiveInt('batch', f.batch),
      seed: Number(f.seed),
      corpusSeed: 0,
      corpusSize: 20_000,
    },
  };
}

async function dump(argv: string[]): Promise<void> {
  const { out, cases, run } = dumpCases(argv);
  await withGpu(async (ctx) => {
    for (const c of cases) {
      const losses = await writeDump(ctx, c, run, out);
      log(
        `dump ${c.id}: ${run.steps} steps, loss ${losses[0].toFixed(4)} -> ${losses[losses.length - 1].toFixed(4)}`,
      );
    }
  });
  log(`wrote ${cases.length} runs to ${out}`);
}

/** Benchmarks run through scripts/bench.mjs (Vitest gives them the WGSL imports). */
function runBench(argv: string[]): Promise<number> {
  const script = fileURLToPath(new URL('../../scripts/bench.mjs', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'sweep') await sweep(rest);
    else if (command === 'plan') plan(rest);
    else if (command === 'coord-check') await coord(rest);
    else if (command === 'transfer') transferCommand(rest);
    else if (command === 'bench') return await runBench(rest);
    else if (command === 'dump') await dump(rest);
    else if (command === 'batches') batches(rest);
    else if (command === 'golden') {
      const flags = parseFlags(rest, { out: { type: 'string' } } as never) as Record<
        string,
        string | undefined
      >;
      if (!flags.out) throw new UsageError('golden needs --out FILE');
      output(goldenTables(), flags.out);
    } else if (command === undefined || command === '--help' || command === 'help') {
      log(USAGE);
      return command === undefined ? 2 : 0;
    } else throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      log(`mup-lab: ${e.message}`);
      return 2;
    }
    log(`mup-lab: ${(e as Error).message}`);
    return 1;
  }
}
