/**
 * `mup-lab`: the lab's sweeps and checks, headless, on Node + Dawn. Progress goes to stderr,
 * results to --out (or stdout) as JSON. Bad input exits 2 with a one-line reason.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { acquireNodeGpu } from '../gpu/node';
import { adapterLabel, releaseGpu, type GpuContext } from '../gpu';
import { OPTIMIZER_NAMES, optimizerNameSchema, validateHyperparams } from '../mup/optimizers';
import {
  DEFAULT_HYPERPARAMS,
  DEFAULT_MOMENTUM,
  DEPTH_ALPHAS,
  type MupHyperparams,
} from '../mup/rules';
import { PARAMETRIZATIONS, type Parametrization } from '../mup/parametrizations';
import { transfer } from '../mup/transfer';
import { metricsLine, type ParametrizationAnalysis } from '../analysis/analysis';
import { coordCheck, coordVerdict } from '../sweep/coord';
import { prepareData } from '../sweep/data';
import { buildExport, exportedVerification, LAB_VERSION, analysisOn } from '../exchange/export';
import {
  asRecorded,
  DEFAULT_LOSS_METRIC,
  LOSS_METRICS,
  lossMetricSchema,
  metricLabel,
  withMetric,
} from '../analysis/metric';
import { transferExportSchema, type TransferExport } from '../exchange/exportSchema';
import { importedConfig, importedRecords } from '../exchange/imported';
import { analyzeVerification, planVerify, verifyLine } from '../sweep/verify';
import { parseImport } from '../exchange/exportParse';
import { exportShapeToGpt } from '../exchange/exportShapes';
import { horizonAnalysis, horizonNeedsRuns } from '../sweep/horizon';
import { startSweep } from '../sweep/scheduler';
import { partRuns, runSession, tuneForSweep, type SessionTuning } from '../sweep/session';
import type { SweepConfig } from '../sweep/config';
import type { RunRecord } from '../sweep/types';
import { tunedContext, type Tuned } from '../tune/cache';
import { defaultTuneCachePath, fileTuneStore } from '../tune/fileStore';
import { entryLine } from '../tune/tuner';
import { checkWritableFile, writeFileAtomic } from '../util/atomicFile';
import { assertValid, BATCHES_FLAGS, configFromFlags, MODEL_FLAGS, SWEEP_FLAGS } from './args';
import { writeBatches } from './batches';
import { loadBuiltInText } from './corpusFile';
import {
  helpText,
  parseFlags,
  UsageError,
  type FlagKind,
  type FlagSpecs,
  type FlagValues,
} from './flags';
import { writeDump, type DumpCase } from './dump';
import { goldenTables } from './golden';
import { buildPlan } from './plan';

function log(message: string): void {
  process.stderr.write(message + '\n');
}

/** Writes the result to --out atomically (src/util/atomicFile.ts), else to stdout. */
function output(json: unknown, out: string | undefined): void {
  const text = JSON.stringify(json, null, 2) + '\n';
  if (out) {
    writeFileAtomic(out, text);
    log(`wrote ${out}`);
  } else process.stdout.write(text);
}

/** --out checked before any work: a missing directory fails now, not after the training. */
function checkOut(out: unknown, flag = '--out'): void {
  if (typeof out !== 'string') return;
  try {
    checkWritableFile(out, flag);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const readBytes = (path: string): Uint8Array => readFileSync(path);

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

/** The CLI's tuning: the cache file, progress once a second, the choices in force listed. */
function cliTuning(path: string, force: boolean): SessionTuning {
  let last = 0;
  return {
    store: fileTuneStore(path),
    force,
    onMessage: log,
    onProgress: ({ done, total }) => {
      if (done === total || performance.now() - last > 1000) {
        last = performance.now();
        log(`tuning kernels: ${done}/${total}`);
      }
    },
  };
}

function logTuned(tuned: Tuned, path: string): void {
  const { entries, skipped } = tuned.record.result;
  log(
    tuned.fromCache
      ? `kernel tuning: cached in ${path} (${entries.length} shapes)`
      : `kernel tuning: ${entries.length} shapes timed, ${skipped} left to the thresholds (budget); cached in ${path}`,
  );
  for (const e of entries) log(`  ${entryLine(e)}`);
}

/** "[3/28] mup width 32 depth 1 log2 lr -5: final loss 2.9031, val loss 2.9544 (812 tok/s)" */
function runLine(config: SweepConfig, r: RunRecord, done: number, total: number): string {
  const val = r.valLoss === null ? '' : `, val loss ${r.valLoss.toFixed(4)}`;
  const loss = r.diverged
    ? `diverged at step ${r.divergedAtStep}`
    : `final loss ${r.finalLoss!.toFixed(4)}${val}`;
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
function sweepFromFlags(flags: FlagValues) {
  const config = configFromFlags(flags, readBytes);
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

/** `sweep`'s flags: the grid's, and which loss its optima are read on. */
const SWEEP_COMMAND_FLAGS = {
  ...SWEEP_FLAGS,
  metric: {
    kind: { choices: LOSS_METRICS },
    default: DEFAULT_LOSS_METRIC,
    help: "the loss the optima are read on: val (the held-out split, the presets' choice) or train (mean of the last 10 steps)",
  },
} as const satisfies FlagSpecs;

type SweepFlags = {
  [
    K in keyof typeof SWEEP_COMMAND_FLAGS
  ]?: (typeof SWEEP_COMMAND_FLAGS)[K]['kind'] extends 'boolean' ? boolean : string;
};

function batches(values: FlagValues): void {
  const out = values.out as string | undefined;
  checkOut(out);
  const { config, data } = sweepFromFlags(values);
  output(writeBatches(config, data, Number(values.count ?? 2)), out);
}

function plan(values: FlagValues): void {
  const flags = values as SweepFlags;
  checkOut(flags.out);
  const { config, data } = sweepFromFlags(values);
  const doc = buildPlan(config, data);
  log(`plan: ${doc.runs.length} runs on ${data.description}`);
  output(doc, flags.out);
}

async function sweep(values: FlagValues): Promise<void> {
  const flags = values as SweepFlags;
  checkOut(flags.out);
  const tuneCache = flags['tune-cache'] ?? defaultTuneCachePath();
  // The default cache's folder is created when the cache is saved; a given one must exist.
  if (!flags['no-tune'] && flags['tune-cache'] !== undefined) checkOut(tuneCache, '--tune-cache');
  const { config, data } = sweepFromFlags(values);
  await withGpu(async (device) => {
    // The context that runs the session: the device's, with the tuned choices once tuned.
    let ctx = device;
    assertValid(config, { vocab: data.vocab, limits: ctx.limits });
    if (!flags['no-tune']) {
      const tuned = await tuneForSweep(
        ctx,
        config,
        data.vocab,
        cliTuning(tuneCache, flags.retune ?? false),
      );
      if (tuned) {
        logTuned(tuned, tuneCache);
        ctx = tunedContext(ctx, tuned.record);
      }
    }
    const metric = lossMetricSchema.parse(flags.metric ?? DEFAULT_LOSS_METRIC);
    let analysis: ReturnType<typeof analysisOn> = [];
    const { records, horizonRuns } = await runSession(ctx, config, {
      data,
      horizons: flags.horizons ?? false,
      onPartStart: (part, total) => {
        if (part === 'grid') return log(`sweep: ${total} runs on ${data.description}`);
        const lengths = [...new Set(partRuns(config, part).map((r) => r.steps))].join(' and ');
        log(`horizons: ${total} runs of ${lengths} steps, each with its own cosine schedule`);
      },
      onRunDone: (r, _part, done, total) => log(runLine(config, r, done, total)),
      // The grid's optima are reported before the horizon runs start.
      onGridDone: (records) => {
        analysis = analysisOn(config, records, metric);
        log(`optima on the ${metricLabel(metric)} (--metric ${metric}):`);
        for (const a of analysis) logAnalysis(config, a, config.axis);
      },
    });
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
      metric,
      analyses: { [metric]: analysis },
      environment: {
        adapter: adapterLabel(ctx.adapter),
        labVersion: LAB_VERSION,
        date: new Date(),
      },
    });
    output(doc, flags.out);
  });
}

async function coord(values: FlagValues): Promise<void> {
  const flags = values as SweepFlags;
  checkOut(flags.out);
  const config = configFromFlags({ ...values, widths: flags.widths ?? '32,64,128,256' }, readBytes);
  assertValid(config, {});
  loadBuiltInText(config.data);
  const steps = Number(flags.steps ?? 5);
  let data;
  try {
    data = prepareData(config.data, config.model.context);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
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

const TRANSFER_FLAGS = {
  from: { kind: 'file', help: "a sweep result or the page's export (mup-lab/transfer JSON)" },
  width: { kind: 'positive-int', help: 'target width', defaultNote: "the export's base width" },
  depth: { kind: 'positive-int', help: 'target depth', defaultNote: "the export's base depth" },
  out: { kind: 'file', help: 'write the transferred values here as JSON', defaultNote: 'stdout' },
} as const satisfies FlagSpecs;

/** A text file's contents, or a UsageError naming the flag and why it cannot be read. */
function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `${flag}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** The export document at --from, checked (a bad file: UsageError with the field). */
function readExport(path: string): TransferExport {
  const parsed = parseImport(readText(path, '--from'));
  if (!parsed.ok) throw new UsageError(`${path}: ${parsed.message}`);
  return parsed.doc;
}

function transferCommand(values: FlagValues): void {
  const flags = values as Record<keyof typeof TRANSFER_FLAGS, string | undefined>;
  if (!flags.from) throw new UsageError('transfer needs --from result.json');
  checkOut(flags.out);
  const doc = readExport(flags.from);
  const base = exportShapeToGpt(doc.base);
  const width = Number(flags.width ?? base.width);
  const depth = Number(flags.depth ?? base.depth);
  let result;
  try {
    result = transfer(doc.hyperparameters, doc.parametrization, base, { ...base, width, depth });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  output(result, flags.out);
}

const VERIFY_FLAGS = {
  from: {
    kind: 'file',
    help: "a width sweep's result or the page's export (mup-lab/transfer JSON)",
  },
  width: { kind: 'positive-int', help: 'the target width to verify transfer at' },
  seeds: { kind: 'non-negative-int-list', help: 'seeds to train', defaultNote: "the sweep's" },
  text: {
    kind: 'file',
    help: 'the text the sweep trained on (exports name it but do not include it)',
  },
  out: {
    kind: 'file',
    help: 'write the export with `verification` added here',
    defaultNote: 'stdout',
  },
} as const satisfies FlagSpecs;

/**
 * Trains a small sweep at --width around the optimum the sweep predicts there (src/sweep/
 * verify.ts), for each parametrization, and writes the export with its `verification`.
 */
async function verifyCommand(values: FlagValues): Promise<void> {
  const flags = values as Record<keyof typeof VERIFY_FLAGS, string | undefined>;
  if (!flags.from) throw new UsageError('verify needs --from result.json');
  if (!flags.width) throw new UsageError('verify needs --width N (the target width)');
  checkOut(flags.out);
  const doc = readExport(flags.from);
  const config = importedConfig(doc);
  if (config.data.kind === 'text') {
    if (!flags.text) {
      throw new UsageError(
        `--text: the sweep trained on the text "${config.data.name}", which exports do not include: pass it with --text FILE`,
      );
    }
    config.data = { ...config.data, text: readText(flags.text, '--text') };
  }
  // On the loss the export's optima were read on (files from before the choice: training loss).
  const metric = doc.evidence.metric ?? 'train';
  const records = withMetric(importedRecords(doc), metric);
  const width = Number(flags.width);
  const seeds = flags.seeds?.split(',').map((x) => Number(x.trim()));
  let data;
  try {
    data = prepareData(config.data, config.model.context);
  } catch (e) {
    throw new UsageError(`--text: ${(e as Error).message}`);
  }
  const planned = planVerify(config, records, { width, seeds, vocab: data.vocab });
  if (!planned.ok) throw new UsageError(`--width ${width}: ${planned.message}`);
  await withGpu(async (ctx) => {
    const again = planVerify(config, records, {
      width,
      seeds,
      vocab: data.vocab,
      limits: ctx.limits,
    });
    if (!again.ok) throw new UsageError(`--width ${width}: ${again.message}`);
    const { plan } = again;
    for (const p of plan.predictions) {
      const sd = Number.isFinite(p.sd) ? ` ± ${p.sd.toFixed(2)}` : '';
      log(
        `${p.parametrization}: predicted optimum log2 ${config.sweep.name} ${p.log2.toFixed(2)}${sd} (fitted at width ${p.fromWidth})`,
      );
    }
    log(`verify: ${plan.runs.length} runs at width ${width} on ${data.description}`);
    log(`optima on the ${metricLabel(metric)} (the export's evidence.metric)`);
    const runs: RunRecord[] = [];
    await startSweep(ctx, config, {
      data,
      runs: plan.runs,
      callbacks: { onRunDone: (r) => log(runLine(config, r, runs.push(r), plan.runs.length)) },
    }).finished;
    const results = asRecorded(
      plan.predictions.map((p) => analyzeVerification(p, width, withMetric(runs, metric))),
      runs,
    );
    for (const r of results) log(verifyLine(r, config.sweep.name));
    const out = { ...doc, verification: exportedVerification(results, config) };
    const checked = transferExportSchema.safeParse(out);
    if (!checked.success)
      throw new Error(`the verified export does not validate: ${checked.error.message}`);
    output(checked.data, flags.out);
  });
}

const DUMP_FLAGS = {
  out: { kind: 'dir', help: 'write one folder per case here (created if absent)' },
  widths: { kind: 'positive-int-list', default: '32,64', help: 'target widths' },
  parametrization: {
    kind: { choices: PARAMETRIZATIONS, list: true },
    default: PARAMETRIZATIONS.join(','),
    help: 'parametrizations',
  },
  tied: {
    kind: { choices: ['false', 'true'], list: true },
    default: 'false,true',
    help: 'tied readout',
  },
  biases: {
    kind: { choices: ['false', 'true'], list: true },
    default: 'false,true',
    help: 'biases',
  },
  depth: { kind: 'positive-int', default: '2', help: 'target depth' },
  'base-depth': { kind: 'positive-int', default: '1', help: 'base depth' },
  'depth-alpha': {
    kind: { choices: DEPTH_ALPHAS.map(String) },
    default: '0.5',
    help: 'depth exponent α (0 off, 0.5 depth-µP, 1 CompleteP)',
  },
  'base-width': { kind: 'positive-int', default: '32', help: 'base width' },
  heads: { kind: 'positive-int', default: '4', help: 'attention heads' },
  context: { kind: 'positive-int', default: '16', help: 'context length' },
  steps: { kind: 'positive-int', default: '20', help: 'AdamW steps per case' },
  batch: { kind: 'positive-int', default: '4', help: 'sequences per step' },
  lr: { kind: 'positive-number', default: '0.01', help: 'learning rate' },
  clip: { kind: 'non-negative-number', default: '0.25', help: 'gradient clip norm (0 off)' },
  seed: { kind: 'non-negative-int', default: '0', help: 'seed of init and batches' },
  optimizer: {
    kind: { choices: [...OPTIMIZER_NAMES] },
    default: 'adamw',
    help: 'optimizer of every case',
  },
  momentum: {
    kind: 'non-negative-number',
    default: String(DEFAULT_MOMENTUM),
    help: 'momentum of SGD and Muon, in [0, 1)',
  },
  'weight-decay': { kind: 'non-negative-number', default: '0', help: 'weight decay λ' },
} as const satisfies FlagSpecs;

/** The CLI flag of a hyperparameter field: weightDecay -> weight-decay. */
function kebab(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function booleans(v: string): boolean[] {
  return v.split(',').map((x) => x.trim().toLowerCase() === 'true');
}

/** Parity cases: the product of the listed parametrizations, widths, readouts and biases. */
export function dumpCases(values: FlagValues): {
  out: string;
  cases: DumpCase[];
  run: { steps: number; batch: number; seed: number; corpusSeed: number; corpusSize: number };
} {
  const f = values as Record<keyof typeof DUMP_FLAGS, string>;
  if (!f.out) throw new UsageError('dump needs --out DIR');
  const params = f.parametrization.split(',').map((p) => p.trim().toLowerCase());
  const hp: MupHyperparams = {
    ...DEFAULT_HYPERPARAMS,
    lr: Number(f.lr),
    clip: Number(f.clip),
    depthAlpha: Number(f['depth-alpha']) as (typeof DEPTH_ALPHAS)[number],
    optimizer: optimizerNameSchema.parse(f.optimizer),
    momentum: Number(f.momentum),
    weightDecay: Number(f['weight-decay']),
  };
  const [bad] = validateHyperparams(hp);
  if (bad) throw new UsageError(`--${kebab(bad.field)}: ${bad.message}`);
  // AdamW cases keep the ids they had before there was a choice.
  const suffix = hp.optimizer === 'adamw' ? '' : `_${hp.optimizer}`;
  const depth = Number(f.depth);
  const baseDepth = Number(f['base-depth']);
  const baseWidth = Number(f['base-width']);
  const heads = Number(f.heads);
  const context = Number(f.context);
  const widths = f.widths.split(',').map(Number);
  const cases: DumpCase[] = [];
  for (const p of params as Parametrization[])
    for (const width of widths)
      for (const tiedReadout of booleans(f.tied))
        for (const biases of booleans(f.biases)) {
          // vocab is set from the corpus when the case runs.
          const shape = { width, depth, heads, context, vocab: 1, tiedReadout, biases };
          cases.push({
            id: `${p}_w${width}_d${depth}_${tiedReadout ? 'tied' : 'untied'}_${biases ? 'bias' : 'nobias'}${suffix}`,
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
      steps: Number(f.steps),
      batch: Number(f.batch),
      seed: Number(f.seed),
      corpusSeed: 0,
      corpusSize: 20_000,
    },
  };
}

/** The dump's folder: created now (its parent must exist), so a bad path fails before training. */
function prepareOutDir(dir: string): void {
  try {
    if (statSync(dir).isDirectory()) return;
  } catch {
    checkOut(dir);
    mkdirSync(dir);
    return;
  }
  throw new UsageError(`--out: ${dir} is not a directory`);
}

async function dump(values: FlagValues): Promise<void> {
  const { out, cases, run } = dumpCases(values);
  prepareOutDir(out);
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

const GOLDEN_FLAGS = {
  out: { kind: 'file', help: 'write the tables here (JSON)' },
} as const satisfies FlagSpecs;

const BENCH_FLAGS = {} as const satisfies FlagSpecs;

/** A command: its help, its flags, and what it does with their checked values. */
interface Command {
  summary: string;
  usage: string;
  description: string;
  flags: FlagSpecs;
  run(flags: FlagValues): void | Promise<void>;
}

/** Every command, one entry each (the program's help lists them in this order). */
const COMMANDS: Record<string, Command> = {
  sweep: {
    summary: 'train a width (or depth) × hyperparameter grid and report the optimum per width',
    usage: '[options]   e.g. --preset tiny --widths 32,64,128 --lr-log2 -12:-2 --out result.json',
    description:
      'Trains every run of the grid on the GPU (Dawn), prints each run and the optimum per width\n' +
      '(on the --metric loss, stated in the output) and across training lengths (a quarter, half\n' +
      "and all of the steps, on the training loss), and writes the result as the page's export\n" +
      '(mup-lab/transfer JSON, its optima on both losses). The first sweep on an adapter times\n' +
      'each kernel variant on its shapes (a few seconds) and caches the choice in --tune-cache.',
    flags: SWEEP_COMMAND_FLAGS,
    run: sweep,
  },
  plan: {
    summary: 'every run of a sweep as data, to train in PyTorch (python -m mup_lab.sweep)',
    usage: '[sweep options] --out plan.json',
    description:
      'Writes every run of the sweep the options describe with its hyperparameters, shapes and\n' +
      'text (mup-lab/plan JSON); python -m mup_lab.sweep --plan plan.json trains them.',
    flags: SWEEP_FLAGS,
    run: plan,
  },
  'coord-check': {
    summary: 'activation sizes after a few steps across widths (or depths)',
    usage: '[options]   e.g. --widths 32,64,128,256 --steps 5 --parametrization sp,mup',
    description:
      "Trains a few steps at each width and prints each layer's log-log slope of activation size\n" +
      'against width (µP: flat). --depths 2,4,8,16 --depth-scaling completep checks depth.',
    flags: {
      ...MODEL_FLAGS,
      widths: { ...MODEL_FLAGS.widths, defaultNote: '32,64,128,256' },
      steps: { ...MODEL_FLAGS.steps, defaultNote: '5' },
    },
    run: coord,
  },
  transfer: {
    summary: "a sweep's tuned hyperparameters carried to another width and depth",
    usage: '--from result.json --width 4096 [--depth N] [--out FILE]',
    description: 'Prints (or writes) the per-tensor values µTransfer gives at the target shape.',
    flags: TRANSFER_FLAGS,
    run: transferCommand,
  },
  verify: {
    summary: 'train a small LR sweep at a target width to check the optimum lands where predicted',
    usage: '--from result.json --width N [--seeds 0,1] [--text FILE] [--out verified.json]',
    description:
      "Trains 5 values of the swept hyperparameter within ± 2 octaves of each parametrization's\n" +
      'predicted optimum (the base width’s fitted optimum, carried by the rules) at --width, with\n' +
      "the sweep's seeds, and writes the export with `verification` (predicted and observed\n" +
      'optimum, the penalty of using the prediction, the runs) added.',
    flags: VERIFY_FLAGS,
    run: verifyCommand,
  },
  bench: {
    summary: 'kernel and training benchmarks (same as npm run bench)',
    usage: 'kernels|train|tune [--out FILE] [options]',
    description: 'Runs scripts/bench.mjs; mup-lab bench --help lists its options.',
    flags: BENCH_FLAGS,
    run: () => undefined, // main passes bench's arguments through (runBench)
  },
  dump: {
    summary: 'GPU runs with their initial weights and batches, for the PyTorch parity test',
    usage: '--out DIR [options]',
    description:
      'For each case (parametrization × width × tied readout × biases) trains one run and writes\n' +
      "its initial weights, batches and every step's loss (docs/pytorch.md).",
    flags: DUMP_FLAGS,
    run: dump,
  },
  batches: {
    summary: "a sweep's data as the trainer draws it, for the Python port's tests",
    usage:
      '[--corpus shakespeare | --text FILE] [--context 16] [--batch 4] [--seed 0] [--count 2] --out FILE',
    description:
      'Writes the vocabulary, the train/validation split (sizes and the tokens either side of it),\n' +
      'the first --count training batches of the seed and --count evaluation batches (JSON).',
    flags: BATCHES_FLAGS,
    run: batches,
  },
  golden: {
    summary: "transfer() tables for the Python port's tests",
    usage: '--out FILE',
    description: 'Writes transfer() of every parametrization and depth option on a grid of shapes.',
    flags: GOLDEN_FLAGS,
    run: (flags) => {
      if (!flags.out) throw new UsageError('golden needs --out FILE');
      checkOut(flags.out);
      output(goldenTables(), flags.out as string);
    },
  },
};

function programHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 4;
  return [
    'usage: mup-lab <command> [options]',
    '',
    "µP Lab's sweeps and checks, headless on Node + Dawn. Progress goes to stderr, results to",
    '--out (or stdout) as JSON; a bad option exits 2 with one line naming it.',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n].summary}`),
    '',
    'mup-lab <command> --help shows its options, each with its type and default.',
  ].join('\n');
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  return helpText(name, c.usage, c.description, c.flags);
}

/** The kinds of every command's flags, for tests that check each one is typed. */
export function commandFlags(): Record<string, Record<string, FlagKind>> {
  return Object.fromEntries(
    Object.entries(COMMANDS).map(([n, c]) => [
      n,
      Object.fromEntries(Object.entries(c.flags).map(([f, s]) => [f, s.kind])),
    ]),
  );
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      log(programHelp());
      return 2;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      const topic = rest[0];
      if (topic !== undefined && Object.hasOwn(COMMANDS, topic))
        process.stdout.write(commandHelp(topic) + '\n');
      else process.stdout.write(programHelp() + '\n');
      return 0;
    }
    if (!Object.hasOwn(COMMANDS, command)) {
      throw new UsageError(
        command.startsWith('-')
          ? `unknown option ${command} before the command (mup-lab --help lists the commands)`
          : `unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')}; mup-lab --help)`,
      );
    }
    if (command === 'bench') return await runBench(rest);
    const parsed = parseFlags(command, rest, COMMANDS[command].flags);
    if (parsed.help) {
      process.stdout.write(commandHelp(command) + '\n');
      return 0;
    }
    await COMMANDS[command].run(parsed.values);
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
