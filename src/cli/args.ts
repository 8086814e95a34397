/**
 * Command-line flags → a SweepConfig, with one-line errors for anything wrong. Flags mirror the
 * lab's form; defaults are the "Quick" preset's.
 */
import { checkUserText } from '../data/text';
import {
  OPTIMIZER_NAMES,
  optimizerNameSchema,
  switchOptimizer,
  type OptimizerName,
} from '../mup/optimizers';
import {
  PARAMETRIZATION_LABELS,
  PARAMETRIZATIONS,
  type Parametrization,
} from '../mup/parametrizations';
import { DEPTH_SCALINGS, type DepthScaling } from '../mup/rules';
import {
  preset,
  PRESET_LABELS,
  validateSweepConfig,
  type PresetName,
  type SweepConfig,
  type SweptHp,
} from '../sweep/config';
import { checkValue, invalid, UsageError, type FlagSpecs, type FlagValues } from './flags';

/** A parametrization's label, lower-cased, where it is not its name (µp): the flag accepts it. */
const BY_LABEL: Readonly<Record<string, Parametrization>> = Object.fromEntries(
  PARAMETRIZATIONS.map((p) => [PARAMETRIZATION_LABELS[p].toLowerCase(), p] as const).filter(
    ([label, p]) => label !== p,
  ),
);

export { UsageError };

const QUICK = preset('quick');
const PRESET = "the preset's";

export const MODEL_FLAGS = {
  preset: {
    kind: { choices: Object.keys(PRESET_LABELS) },
    help: "the lab's preset to start from; the other flags change it",
    defaultNote: 'quick',
  },
  widths: {
    kind: 'positive-int-list',
    help: 'widths (d_model) to train',
    defaultNote: `${PRESET}, quick: ${QUICK.widths.join(',')}`,
  },
  depths: {
    kind: 'positive-int-list',
    help: 'sweep depths instead of widths (at the first width)',
  },
  depth: {
    kind: 'positive-int',
    help: 'transformer blocks',
    defaultNote: `${PRESET}, quick: ${QUICK.model.depth}`,
  },
  heads: {
    kind: 'positive-int',
    help: 'attention heads (fixed count)',
    defaultNote: `${PRESET}, quick: ${QUICK.model.heads}`,
  },
  'head-size': { kind: 'positive-int', help: 'fixed head size instead of a fixed head count' },
  context: {
    kind: 'positive-int',
    help: 'context length in characters',
    defaultNote: `${PRESET}, quick: ${QUICK.model.context}`,
  },
  'mlp-ratio': {
    kind: 'positive-number',
    help: 'MLP width / d_model',
    defaultNote: String(QUICK.model.mlpRatio),
  },
  'tied-readout': { kind: 'boolean', help: 'tie the readout to the token embedding' },
  biases: { kind: 'boolean', help: 'linear and LayerNorm biases' },
  text: { kind: 'file', help: 'train on this UTF-8 text file instead of the built-in corpus' },
  corpus: {
    kind: { choices: ['synthetic', 'shakespeare'] },
    help: 'built-in text: the synthetic corpus or Tiny Shakespeare (--text gives your own)',
    defaultNote: 'synthetic',
  },
  'corpus-seed': {
    kind: 'non-negative-int',
    help: 'built-in corpus seed',
    default: undefined,
    defaultNote: '0',
  },
  'corpus-size': {
    kind: 'positive-int',
    help: 'built-in corpus size in characters',
    defaultNote: '200000',
  },
  parametrization: {
    kind: { choices: PARAMETRIZATIONS, list: true, aliases: Object.keys(BY_LABEL) },
    help: 'parametrizations to train',
    defaultNote: PARAMETRIZATIONS.join(','),
  },
  'base-width': {
    kind: 'positive-int',
    help: 'width the hyperparameters are tuned at',
    defaultNote: 'the first width',
  },
  'base-depth': {
    kind: 'positive-int',
    help: 'depth the hyperparameters are tuned at',
    defaultNote: 'the first depth, else --depth',
  },
  steps: {
    kind: 'positive-int',
    help: 'training steps per run',
    defaultNote: `${PRESET}, quick: ${QUICK.train.steps}`,
  },
  batch: {
    kind: 'positive-int',
    help: 'sequences per step',
    defaultNote: `${PRESET}, quick: ${QUICK.train.batch}`,
  },
  seed: { kind: 'non-negative-int', help: 'seed of init and batches', defaultNote: '0' },
  seeds: { kind: 'non-negative-int-list', help: 'several seeds (mean and spread per point)' },
  stack: {
    kind: 'positive-int',
    help: 'runs trained together in one model',
    defaultNote: "1, with --preset the preset's",
  },
  schedule: {
    kind: { choices: ['constant', 'cosine'] },
    help: 'learning-rate schedule',
    defaultNote: PRESET,
  },
  warmup: {
    kind: 'non-negative-int',
    help: 'warm-up steps of the cosine schedule',
    defaultNote: '0',
  },
  lr: {
    kind: 'positive-number',
    help: 'base learning rate (when another hyperparameter is swept)',
    defaultNote: String(QUICK.hp.lr),
  },
  'init-std': {
    kind: 'positive-number',
    help: 'base init std (when another hyperparameter is swept)',
    defaultNote: String(QUICK.hp.initStd),
  },
  'depth-scaling': {
    kind: { choices: Object.keys(DEPTH_SCALINGS) },
    help: 'depth rule: CompleteP is Dey et al. 2025',
    defaultNote: 'none',
  },
  optimizer: {
    kind: { choices: [...OPTIMIZER_NAMES] },
    help: 'optimizer (src/mup/optimizers.ts)',
    defaultNote: PRESET,
  },
  momentum: {
    kind: 'non-negative-number',
    help: 'momentum of SGD and Muon, in [0, 1)',
    defaultNote: String(QUICK.hp.momentum),
  },
  'ns-steps': {
    kind: 'positive-int',
    help: "Muon's Newton-Schulz iterations",
    defaultNote: String(QUICK.hp.nsSteps),
  },
  out: { kind: 'file', help: 'write the result here as JSON', defaultNote: 'stdout' },
} as const satisfies FlagSpecs;

/** `mup-lab batches`: the model flags and how many batches of each kind to write. */
export const BATCHES_FLAGS = {
  ...MODEL_FLAGS,
  count: {
    kind: 'positive-int',
    help: 'training and evaluation batches to write',
    defaultNote: '2',
  },
} as const satisfies FlagSpecs;

export const SWEEP_FLAGS = {
  ...MODEL_FLAGS,
  'lr-log2': {
    kind: 'log2-range',
    help: 'log2 learning-rate grid',
    defaultNote: `${PRESET}, quick: ${QUICK.sweep.log2Min}:${QUICK.sweep.log2Max}`,
  },
  hp: {
    kind: { choices: ['lr', 'init-std', 'output-mult', 'attn-mult', 'input-mult'] },
    help: 'the hyperparameter to sweep',
    defaultNote: 'lr',
  },
  'grid-log2': { kind: 'log2-range', help: 'log2 grid of --hp', defaultNote: '-3:3' },
  'tune-cache': {
    kind: 'file',
    help: 'kernel tuning cache',
    defaultNote: '$MUP_LAB_TUNE_CACHE, else ~/.cache/mup-lab/tune.json',
  },
  retune: { kind: 'boolean', help: 'time the kernel variants again' },
  'no-tune': { kind: 'boolean', help: "no tuning: the thresholds' kernel variants" },
  horizons: {
    kind: 'boolean',
    help: 'under cosine, also train the shorter horizons (a quarter and half of the steps)',
  },
} as const satisfies FlagSpecs;

const HP_NAMES: Record<string, SweptHp> = {
  lr: 'lr',
  'init-std': 'initStd',
  'output-mult': 'alphaOut',
  'attn-mult': 'alphaAttn',
  'input-mult': 'alphaIn',
};

function int(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  checkValue(flag, 'int', v);
  return Number(v);
}

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  checkValue(flag, 'number', v);
  return Number(v);
}

function intList(flag: string, v: string | undefined): number[] | undefined {
  return v === undefined ? undefined : v.split(',').map((x) => int(flag, x.trim())!);
}

/** "-12:-2" or "-12:-2:0.5" → log2 range and step. */
export function parseRange(
  flag: string,
  v: string,
): { log2Min: number; log2Max: number; log2Step: number } {
  checkValue(flag, 'log2-range', v);
  const [lo, hi, step] = v.split(':').map(Number);
  return { log2Min: lo, log2Max: hi, log2Step: step ?? 1 };
}

/** Reads a --text file's bytes and checks them under the one text rule (src/data/text.ts). */
export function textFromFile(
  path: string,
  context: number,
  readBytes: (path: string) => Uint8Array,
): string {
  let bytes: Uint8Array;
  try {
    bytes = readBytes(path);
  } catch (e) {
    throw new UsageError(
      `cannot read --text ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const check = checkUserText(bytes, { context });
  if (!check.ok) throw new UsageError(`--text ${path}: ${check.message}`);
  return check.text;
}

/** Builds a sweep config from flags; `readBytes` loads --text (errors become one-line messages). */
export function configFromFlags(
  values: FlagValues,
  readBytes: (path: string) => Uint8Array,
): SweepConfig {
  const s = (k: string) => values[k] as string | undefined;
  const presetName = s('preset')?.toLowerCase() ?? 'quick';
  if (!Object.hasOwn(PRESET_LABELS, presetName))
    throw invalid('preset', `one of ${Object.keys(PRESET_LABELS).join(', ')}`, presetName);
  const c = preset(presetName as PresetName);
  const widths = intList('widths', s('widths'));
  const depths = intList('depths', s('depths'));
  const heads = int('heads', s('heads'));
  const headSize = int('head-size', s('head-size'));
  const params = s('parametrization')
    ?.split(',')
    .map((p) => p.trim().toLowerCase())
    .map((p) => BY_LABEL[p] ?? p);
  if (params?.some((p) => !(PARAMETRIZATIONS as readonly string[]).includes(p)))
    throw invalid(
      'parametrization',
      `${PARAMETRIZATIONS.join(', ')} or ${PARAMETRIZATIONS.join(',')}`,
      s('parametrization')!,
    );
  const seeds =
    intList('seeds', s('seeds')) ??
    (s('seed') !== undefined ? [int('seed', s('seed'))!] : undefined);

  let sweep = c.sweep;
  const hpFlag = s('hp')?.toLowerCase();
  if (hpFlag !== undefined) {
    const name = HP_NAMES[hpFlag];
    if (!name) throw invalid('hp', `one of ${Object.keys(HP_NAMES).join(', ')}`, hpFlag);
    const range = s('grid-log2') ?? (name === 'lr' ? s('lr-log2') : undefined);
    sweep = {
      name,
      ...(range ? parseRange('grid-log2', range) : { log2Min: -3, log2Max: 3, log2Step: 1 }),
    };
  } else if (s('lr-log2') !== undefined) {
    sweep = { name: 'lr', ...parseRange('lr-log2', s('lr-log2')!) };
  }

  let data: SweepConfig['data'] = {
    ...c.data,
    seed: int('corpus-seed', s('corpus-seed')) ?? (c.data.kind === 'synthetic' ? c.data.seed : 0),
    size: int('corpus-size', s('corpus-size')) ?? (c.data.kind === 'synthetic' ? c.data.size : 0),
  } as SweepConfig['data'];
  const corpus = s('corpus');
  const textPath = s('text');
  if (corpus !== undefined && textPath !== undefined)
    throw new UsageError('give --corpus or --text, not both');
  if (corpus === 'shakespeare') {
    if (s('corpus-seed') !== undefined || s('corpus-size') !== undefined)
      throw new UsageError('--corpus-seed and --corpus-size apply to the synthetic corpus only');
    data = { kind: 'shakespeare' };
  }
  if (textPath !== undefined) {
    const context = int('context', s('context')) ?? c.model.context;
    data = { kind: 'text', name: textPath, text: textFromFile(textPath, context, readBytes) };
  }

  const depthScaling = s('depth-scaling')?.toLowerCase();
  if (depthScaling !== undefined && !(depthScaling in DEPTH_SCALINGS))
    throw invalid(
      'depth-scaling',
      `one of ${Object.keys(DEPTH_SCALINGS).join(', ')}`,
      depthScaling,
    );
  // A new --optimizer brings its own defaults (Muon's momentum 0.95); the flags given win. An
  // unknown name is named by the config's validation.
  const optimizer = optimizerNameSchema.safeParse(s('optimizer'));
  const hp = optimizer.success ? switchOptimizer(c.hp, optimizer.data) : c.hp;
  const schedule = s('schedule')?.toLowerCase() ?? c.train.schedule.kind;
  const presetCosine = c.train.schedule.kind === 'cosine' ? c.train.schedule : undefined;
  if (schedule !== 'constant' && schedule !== 'cosine')
    throw invalid('schedule', 'constant or cosine', schedule);
  const config: SweepConfig = {
    ...c,
    model: {
      ...c.model,
      depth: int('depth', s('depth')) ?? c.model.depth,
      // One of heads and head size is fixed: a flag for one replaces the preset's choice.
      heads: heads ?? (headSize === undefined ? c.model.heads : undefined),
      headSize: headSize ?? (heads === undefined ? c.model.headSize : undefined),
      context: int('context', s('context')) ?? c.model.context,
      mlpRatio: num('mlp-ratio', s('mlp-ratio')) ?? c.model.mlpRatio,
      tiedReadout: (values['tied-readout'] as boolean | undefined) ?? c.model.tiedReadout,
      biases: (values.biases as boolean | undefined) ?? c.model.biases,
    },
    data,
    parametrizations: (params as Parametrization[] | undefined) ?? c.parametrizations,
    axis: depths ? 'depth' : 'width',
    widths: widths ?? c.widths,
    depths: depths ?? c.depths,
    baseWidth: int('base-width', s('base-width')) ?? widths?.[0] ?? c.baseWidth,
    baseDepth:
      int('base-depth', s('base-depth')) ?? depths?.[0] ?? int('depth', s('depth')) ?? c.baseDepth,
    hp: {
      ...hp,
      lr: num('lr', s('lr')) ?? c.hp.lr,
      initStd: num('init-std', s('init-std')) ?? c.hp.initStd,
      // Checked with the rest of the config (hp.optimizer, hp.momentum: one line naming it).
      optimizer: (s('optimizer') as OptimizerName | undefined) ?? c.hp.optimizer,
      momentum: num('momentum', s('momentum')) ?? hp.momentum,
      nsSteps: int('ns-steps', s('ns-steps')) ?? hp.nsSteps,
      depthAlpha:
        depthScaling === undefined
          ? c.hp.depthAlpha
          : DEPTH_SCALINGS[depthScaling as DepthScaling].alpha,
    },
    sweep,
    train: {
      steps: int('steps', s('steps')) ?? c.train.steps,
      batch: int('batch', s('batch')) ?? c.train.batch,
      seeds: seeds ?? c.train.seeds,
      schedule:
        schedule === 'cosine'
          ? {
              kind: 'cosine',
              warmupSteps: int('warmup', s('warmup')) ?? presetCosine?.warmupSteps ?? 0,
              minRatio: presetCosine?.minRatio ?? 0.1,
            }
          : { kind: 'constant' },
      // The presets stack runs for the page; the CLI trains one run at a time unless asked.
      stack: int('stack', s('stack')) ?? (s('preset') !== undefined ? c.train.stack : 1),
    },
  };
  return config;
}

/** Throws a UsageError naming the first invalid field. */
export function assertValid(
  config: SweepConfig,
  opts: Parameters<typeof validateSweepConfig>[1],
): void {
  const errors = validateSweepConfig(config, opts);
  if (errors.length > 0) throw new UsageError(`${errors[0].field}: ${errors[0].message}`);
}
