/**
 * Command-line flags → a SweepConfig, with one-line errors for anything wrong. Flags mirror the
 * lab's form; defaults are the "Quick" preset's.
 */
import { parseArgs } from 'node:util';
import { DEPTH_SCALINGS, type DepthScaling, type Parametrization } from '../mup/rules';
import {
  preset,
  PRESET_LABELS,
  validateSweepConfig,
  type PresetName,
  type SweepConfig,
  type SweptHp,
} from '../sweep/config';

export class UsageError extends Error {}

export const MODEL_FLAGS = {
  /** The lab's preset to start from (default quick); other flags change it. */
  preset: { type: 'string' },
  widths: { type: 'string' },
  depths: { type: 'string' },
  depth: { type: 'string' },
  heads: { type: 'string' },
  'head-size': { type: 'string' },
  context: { type: 'string' },
  'mlp-ratio': { type: 'string' },
  'tied-readout': { type: 'boolean' },
  biases: { type: 'boolean' },
  text: { type: 'string' },
  /** synthetic (default) or shakespeare (Tiny Shakespeare); --text gives the user's own. */
  corpus: { type: 'string' },
  'corpus-seed': { type: 'string' },
  'corpus-size': { type: 'string' },
  parametrization: { type: 'string' },
  'base-width': { type: 'string' },
  'base-depth': { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  seed: { type: 'string' },
  seeds: { type: 'string' },
  stack: { type: 'string' },
  schedule: { type: 'string' },
  warmup: { type: 'string' },
  lr: { type: 'string' },
  'init-std': { type: 'string' },
  'depth-scaling': { type: 'string' },
  out: { type: 'string' },
} as const;

export const SWEEP_FLAGS = {
  ...MODEL_FLAGS,
  'lr-log2': { type: 'string' },
  hp: { type: 'string' },
  'grid-log2': { type: 'string' },
  /** Kernel tuning cache (default: src/tune/fileStore.ts defaultTuneCachePath). */
  'tune-cache': { type: 'string' },
  retune: { type: 'boolean' },
  'no-tune': { type: 'boolean' },
  /** Under a cosine schedule, also train the shorter horizons (src/sweep/horizon.ts). */
  horizons: { type: 'boolean' },
} as const;

/** --corpus values: the built-in texts (a user's own comes with --text). */
const CORPORA = { synthetic: 'the synthetic corpus', shakespeare: 'Tiny Shakespeare' };

/** `mup-lab batches`: the model flags and how many batches to write. */
export const BATCHES_FLAGS = { ...MODEL_FLAGS, count: { type: 'string' } } as const;

const HP_NAMES: Record<string, SweptHp> = {
  lr: 'lr',
  'init-std': 'initStd',
  'output-mult': 'alphaOut',
  'attn-mult': 'alphaAttn',
  'input-mult': 'alphaIn',
};

export function parseFlags<
  T extends typeof MODEL_FLAGS | typeof SWEEP_FLAGS | typeof BATCHES_FLAGS,
>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    // node:util's messages name the flag ("Unknown option '--foo'"); keep the first line.
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
}

function int(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new UsageError(`--${flag} must be an integer, got "${v}"`);
  return n;
}

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${v}"`);
  return n;
}

function intList(flag: string, v: string | undefined): number[] | undefined {
  return v === undefined ? undefined : v.split(',').map((x) => int(flag, x.trim())!);
}

/** "-12:-2" or "-12:-2:0.5" → log2 range and step. */
export function parseRange(
  flag: string,
  v: string,
): { log2Min: number; log2Max: number; log2Step: number } {
  const parts = v.split(':');
  if (parts.length < 2 || parts.length > 3)
    throw new UsageError(`--${flag} must look like -12:-2 or -12:-2:0.5, got "${v}"`);
  const [lo, hi, step] = parts.map((p) => num(flag, p)!);
  return { log2Min: lo, log2Max: hi, log2Step: step ?? 1 };
}

/** Builds a sweep config from flags; `readText` loads --text (errors become one-line messages). */
export function configFromFlags(
  values: Record<string, string | boolean | undefined>,
  readText: (path: string) => string,
): SweepConfig {
  const s = (k: string) => values[k] as string | undefined;
  const presetName = s('preset') ?? 'quick';
  if (!Object.hasOwn(PRESET_LABELS, presetName))
    throw new UsageError(
      `--preset must be one of ${Object.keys(PRESET_LABELS).join(', ')}, got "${presetName}"`,
    );
  const c = preset(presetName as PresetName);
  const widths = intList('widths', s('widths'));
  const depths = intList('depths', s('depths'));
  const heads = int('heads', s('heads'));
  const headSize = int('head-size', s('head-size'));
  const params = s('parametrization')
    ?.split(',')
    .map((p) => p.trim().toLowerCase().replace('µp', 'mup'));
  if (params?.some((p) => p !== 'sp' && p !== 'mup'))
    throw new UsageError(
      `--parametrization takes sp, mup or sp,mup, got "${s('parametrization')}"`,
    );
  const seeds =
    intList('seeds', s('seeds')) ??
    (s('seed') !== undefined ? [int('seed', s('seed'))!] : undefined);

  let sweep = c.sweep;
  const hpFlag = s('hp');
  if (hpFlag !== undefined) {
    const name = HP_NAMES[hpFlag];
    if (!name)
      throw new UsageError(
        `--hp must be one of ${Object.keys(HP_NAMES).join(', ')}, got "${hpFlag}"`,
      );
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
  if (corpus !== undefined && !Object.hasOwn(CORPORA, corpus))
    throw new UsageError(
      `--corpus must be one of ${Object.keys(CORPORA).join(', ')}, got "${corpus}"`,
    );
  const textPath = s('text');
  if (corpus !== undefined && textPath !== undefined)
    throw new UsageError('give --corpus or --text, not both');
  if (corpus === 'shakespeare') {
    if (s('corpus-seed') !== undefined || s('corpus-size') !== undefined)
      throw new UsageError('--corpus-seed and --corpus-size apply to the synthetic corpus only');
    data = { kind: 'shakespeare' };
  }
  if (textPath !== undefined) {
    let text: string;
    try {
      text = readText(textPath);
    } catch (e) {
      throw new UsageError(
        `cannot read --text ${textPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    data = { kind: 'text', name: textPath, text };
  }

  const depthScaling = s('depth-scaling');
  if (depthScaling !== undefined && !(depthScaling in DEPTH_SCALINGS))
    throw new UsageError(
      `--depth-scaling must be one of ${Object.keys(DEPTH_SCALINGS).join(', ')}, got "${depthScaling}"`,
    );
  const schedule = s('schedule') ?? c.train.schedule.kind;
  const presetCosine = c.train.schedule.kind === 'cosine' ? c.train.schedule : undefined;
  if (schedule !== 'constant' && schedule !== 'cosine')
    throw new UsageError(`--schedule must be constant or cosine, got "${schedule}"`);
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
      ...c.hp,
      lr: num('lr', s('lr')) ?? c.hp.lr,
      initStd: num('init-std', s('init-std')) ?? c.hp.initStd,
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
