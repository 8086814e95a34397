/**
 * A sweep's configuration and its validator, shared by the page and the CLI, plus the presets.
 * A sweep is a grid: widths (or depths) × one hyperparameter on a log2 grid × seeds, for each
 * parametrization. The other hyperparameters stay at their base values.
 */
import {
  DEFAULT_HYPERPARAMS,
  validateHyperparams,
  type MupHyperparams,
  type Parametrization,
} from '../mup/rules';
import { validateGptShape, type GptShape } from '../mup/shapes';
import type { Schedule } from '../train/schedule';

/** The hyperparameters a sweep can scan (Tensor Programs V, Fig. 4). */
export type SweptHp = 'lr' | 'initStd' | 'alphaOut' | 'alphaAttn' | 'alphaIn';

export const SWEPT_HP_LABELS: Record<SweptHp, string> = {
  lr: 'learning rate',
  initStd: 'init std',
  alphaOut: 'output multiplier',
  alphaAttn: 'attention multiplier',
  alphaIn: 'input multiplier',
};

export interface ModelConfig {
  depth: number;
  /** Exactly one of heads (fixed count) and headSize (fixed size). */
  heads?: number;
  headSize?: number;
  context: number;
  mlpRatio: number;
  tiedReadout: boolean;
  biases: boolean;
}

export type DataConfig =
  { kind: 'synthetic'; seed: number; size: number } | { kind: 'text'; name: string; text: string };

export interface TrainConfig {
  steps: number;
  batch: number;
  seeds: number[];
  schedule: Schedule;
  /** Runs of one width trained side by side in one set of dispatches (1 = one at a time). */
  stack: number;
}

export interface SweepConfig {
  model: ModelConfig;
  data: DataConfig;
  parametrizations: Parametrization[];
  /** What is scaled: the width (µTransfer across width) or the depth. */
  axis: 'width' | 'depth';
  /** Widths trained (axis = width), or the one width used (axis = depth: widths[0]). */
  widths: number[];
  /** Depths trained when axis = depth. */
  depths: number[];
  baseWidth: number;
  baseDepth: number;
  /** Base hyperparameters; the swept one is replaced run by run. */
  hp: MupHyperparams;
  sweep: { name: SweptHp; log2Min: number; log2Max: number; log2Step: number };
  train: TrainConfig;
}

export interface ConfigError {
  /** Dotted path of the field, e.g. 'train.steps' or 'widths'. */
  field: string;
  message: string;
}

export interface AdapterLimitsLike {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

const MAX_STEPS = 100_000;
const MAX_BATCH = 1024;
const MAX_RUNS = 10_000;
const MAX_STACK = 64;

/** The log2 grid of the swept hyperparameter, inclusive of both ends. */
export function hpGrid(s: SweepConfig['sweep']): number[] {
  const out: number[] = [];
  const n = Math.floor((s.log2Max - s.log2Min) / s.log2Step + 1e-9);
  for (let i = 0; i <= n; i++) out.push(Number((s.log2Min + i * s.log2Step).toFixed(10)));
  return out;
}

/** The scaled values (widths or depths) in the order they are trained. */
export function scaledValues(c: SweepConfig): number[] {
  return c.axis === 'width' ? [...c.widths] : [...c.depths];
}

/** The GPT shape of one run of the sweep. */
export function shapeFor(c: SweepConfig, width: number, depth: number, vocab: number): GptShape {
  return {
    width,
    depth,
    heads: c.model.heads,
    headSize: c.model.headSize,
    context: c.model.context,
    vocab,
    mlpRatio: c.model.mlpRatio,
    tiedReadout: c.model.tiedReadout,
    biases: c.model.biases,
  };
}

export function runCount(c: SweepConfig): number {
  return (
    c.parametrizations.length *
    scaledValues(c).length *
    hpGrid(c.sweep).length *
    c.train.seeds.length
  );
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Every problem with a config, each naming its field; empty when the config can run. `vocab`
 * (when known) and the adapter's limits let it refuse widths whose buffers could not be bound.
 */
export function validateSweepConfig(
  c: SweepConfig,
  opts: { vocab?: number; limits?: AdapterLimitsLike } = {},
): ConfigError[] {
  const errors: ConfigError[] = [];
  const err = (field: string, message: string) => errors.push({ field, message });
  if (typeof c !== 'object' || c === null)
    return [{ field: '', message: 'Config must be an object' }];

  const m = c.model ?? ({} as ModelConfig);
  if (!isInt(m.depth) || m.depth < 1 || m.depth > 64)
    err('model.depth', 'Depth must be an integer from 1 to 64');
  if ((m.heads === undefined) === (m.headSize === undefined)) {
    err('model.heads', 'Give either a number of heads or a head size, not both');
  }
  if (m.heads !== undefined && (!isInt(m.heads) || m.heads < 1))
    err('model.heads', 'Heads must be a positive integer');
  if (m.headSize !== undefined && (!isInt(m.headSize) || m.headSize < 1 || m.headSize > 128)) {
    err('model.headSize', 'Head size must be an integer from 1 to 128');
  }
  if (!isInt(m.context) || m.context < 2 || m.context > 512)
    err('model.context', 'Context must be an integer from 2 to 512');
  if (!isNum(m.mlpRatio) || m.mlpRatio <= 0 || m.mlpRatio > 16)
    err('model.mlpRatio', 'MLP ratio must be in (0, 16]');
  if (typeof m.tiedReadout !== 'boolean')
    err('model.tiedReadout', 'Tied readout must be true or false');
  if (typeof m.biases !== 'boolean') err('model.biases', 'Biases must be true or false');

  const d = c.data;
  if (!d || (d.kind !== 'synthetic' && d.kind !== 'text'))
    err('data', 'Data must be the built-in corpus or a text');
  else if (d.kind === 'synthetic') {
    if (!isInt(d.seed) || d.seed < 0)
      err('data.seed', 'Corpus seed must be a non-negative integer');
    if (!isInt(d.size) || d.size < 1000 || d.size > 10_000_000)
      err('data.size', 'Corpus size must be 1,000 to 10,000,000 characters');
  } else if (typeof d.text !== 'string' || d.text.length === 0)
    err('data.text', 'The text is empty');

  if (!Array.isArray(c.parametrizations) || c.parametrizations.length === 0) {
    err('parametrizations', 'Pick SP, µP or both');
  } else if (
    c.parametrizations.some((p) => p !== 'sp' && p !== 'mup') ||
    new Set(c.parametrizations).size !== c.parametrizations.length
  ) {
    err('parametrizations', 'Parametrizations must be distinct values of "sp" and "mup"');
  }

  if (c.axis !== 'width' && c.axis !== 'depth') err('axis', 'Axis must be "width" or "depth"');
  const sizes = (field: 'widths' | 'depths', max: number) => {
    const v = c[field];
    if (!Array.isArray(v) || v.length === 0) return err(field, `Give at least one of the ${field}`);
    if (v.some((x) => !isInt(x) || x < 1 || x > max))
      return err(field, `Each of the ${field} must be an integer from 1 to ${max}`);
    if (new Set(v).size !== v.length) err(field, `The ${field} must be distinct`);
  };
  sizes('widths', 8192);
  if (c.axis === 'depth') sizes('depths', 64);
  if (!isInt(c.baseWidth) || c.baseWidth < 1)
    err('baseWidth', 'Base width must be a positive integer');
  if (!isInt(c.baseDepth) || c.baseDepth < 1 || c.baseDepth > 64)
    err('baseDepth', 'Base depth must be an integer from 1 to 64');

  // Every trained shape must be a valid GPT (divisibility of heads, head size limits...).
  if (errors.length === 0) {
    const vocab = opts.vocab ?? 96;
    const widths = c.axis === 'width' ? c.widths : [c.widths[0]];
    const depths = c.axis === 'depth' ? c.depths : [m.depth];
    for (const w of [...widths, c.baseWidth]) {
      for (const problem of validateGptShape(shapeFor(c, w, depths[0], vocab))) {
        err(
          w === c.baseWidth && !widths.includes(w) ? 'baseWidth' : 'widths',
          `Width ${w}: ${problem.message}`,
        );
      }
    }
  }

  for (const e of validateHyperparams(c.hp ?? ({} as MupHyperparams)))
    err(`hp.${e.field}`, e.message);

  const s = c.sweep;
  if (!s || !(s.name in SWEPT_HP_LABELS))
    err('sweep.name', 'Swept hyperparameter must be lr, initStd, alphaOut, alphaAttn or alphaIn');
  else {
    if (
      !isNum(s.log2Min) ||
      !isNum(s.log2Max) ||
      s.log2Min > s.log2Max ||
      s.log2Min < -40 ||
      s.log2Max > 20
    ) {
      err('sweep.log2Min', 'The log2 range must satisfy -40 ≤ min ≤ max ≤ 20');
    }
    if (!isNum(s.log2Step) || s.log2Step <= 0 || s.log2Step > 10)
      err('sweep.log2Step', 'The log2 step must be in (0, 10]');
    else if (
      isNum(s.log2Min) &&
      isNum(s.log2Max) &&
      (s.log2Max - s.log2Min) / s.log2Step > MAX_RUNS
    )
      // Checked before the grid is built: a tiny step would make billions of grid points.
      err('sweep.log2Step', `The log2 step is too small: more than ${MAX_RUNS} grid points`);
  }

  const t = c.train;
  if (!t) err('train', 'Training settings are missing');
  else {
    if (!isInt(t.steps) || t.steps < 1 || t.steps > MAX_STEPS)
      err('train.steps', `Steps must be an integer from 1 to ${MAX_STEPS}`);
    if (!isInt(t.batch) || t.batch < 1 || t.batch > MAX_BATCH)
      err('train.batch', `Batch must be an integer from 1 to ${MAX_BATCH}`);
    if (
      !Array.isArray(t.seeds) ||
      t.seeds.length === 0 ||
      t.seeds.some((x) => !isInt(x) || x < 0) ||
      new Set(t.seeds).size !== t.seeds.length
    ) {
      err('train.seeds', 'Seeds must be distinct non-negative integers');
    }
    if (!isInt(t.stack) || t.stack < 1 || t.stack > MAX_STACK)
      err('train.stack', `Stack must be an integer from 1 to ${MAX_STACK}`);
    const sch = t.schedule;
    if (!sch || (sch.kind !== 'constant' && sch.kind !== 'cosine'))
      err('train.schedule', 'Schedule must be constant or cosine');
    else if (sch.kind === 'cosine') {
      if (!isInt(sch.warmupSteps) || sch.warmupSteps < 0)
        err('train.schedule.warmupSteps', 'Warm-up steps must be a non-negative integer');
      if (!isNum(sch.minRatio) || sch.minRatio < 0 || sch.minRatio > 1)
        err('train.schedule.minRatio', 'The final LR ratio must be in [0, 1]');
    }
  }

  if (errors.length === 0 && runCount(c) > MAX_RUNS)
    err('sweep', `The sweep has ${runCount(c)} runs; at most ${MAX_RUNS} are allowed`);
  if (errors.length === 0 && opts.limits) {
    const vocab = opts.vocab ?? 96;
    const widest = Math.max(...c.widths);
    const largest = largestActivationBytes(c, widest, vocab);
    const limit = Math.min(opts.limits.maxStorageBufferBindingSize, opts.limits.maxBufferSize);
    if (largest > limit) {
      const fits = largestFittingWidth(c, vocab, limit);
      err(
        'widths',
        `Width ${widest} needs a ${(largest / 2 ** 20).toFixed(0)} MiB buffer, more than this adapter's ${(limit / 2 ** 20).toFixed(0)} MiB limit; ` +
          (fits
            ? `the largest width that fits is ${fits}`
            : 'no width fits; lower the batch or context'),
      );
    }
  }
  return errors;
}

/**
 * Bytes of the largest single GPU buffer a run of this width needs: the biggest of the MLP
 * activations [stack·B·T, 4d], the logits [stack·B·T, V] and the stacked parameters.
 */
export function largestActivationBytes(c: SweepConfig, width: number, vocab: number): number {
  const rows = c.train.stack * c.train.batch * c.model.context;
  const hidden = Math.ceil(c.model.mlpRatio * width);
  const depth = c.axis === 'depth' ? Math.max(...c.depths) : c.model.depth;
  const params =
    c.train.stack *
    (2 * vocab * width +
      depth * (4 * width * width + 2 * width * hidden) +
      c.model.context * width);
  return 4 * Math.max(rows * hidden, rows * vocab, rows * 3 * width, params);
}

/** The largest multiple of 64 (or of the head count) whose buffers fit under `limit` bytes. */
export function largestFittingWidth(
  c: SweepConfig,
  vocab: number,
  limit: number,
): number | undefined {
  const unit = c.model.headSize ?? c.model.heads ?? 1;
  let best: number | undefined;
  for (let w = unit; w <= 8192; w += unit) {
    if (largestActivationBytes(c, w, vocab) <= limit) best = w;
    else break;
  }
  return best;
}

/** Presets from the lab's "Preset" select. */
export type PresetName = 'tiny' | 'quick' | 'paper';

export const PRESET_LABELS: Record<PresetName, string> = {
  tiny: 'Tiny',
  quick: 'Quick',
  paper: 'Paper-like',
};

export function preset(name: PresetName): SweepConfig {
  const base: SweepConfig = {
    model: { depth: 2, heads: 4, context: 32, mlpRatio: 4, tiedReadout: false, biases: false },
    data: { kind: 'synthetic', seed: 0, size: 200_000 },
    parametrizations: ['sp', 'mup'],
    axis: 'width',
    widths: [32, 64, 128],
    depths: [2, 4, 8],
    baseWidth: 32,
    baseDepth: 2,
    hp: { ...DEFAULT_HYPERPARAMS },
    sweep: { name: 'lr', log2Min: -12, log2Max: -4, log2Step: 1 },
    train: { steps: 60, batch: 8, seeds: [0], schedule: { kind: 'constant' }, stack: 1 },
  };
  if (name === 'tiny') {
    // Under a minute even on a CPU fallback adapter: two narrow widths, 12 steps, a 7-point
    // grid whose interior holds every optimum (measured on the built-in corpus: SP and µP at
    // width 16 and µP at 32 near log2 -5, SP at 32 near -6; presets.test.ts checks it).
    return {
      ...base,
      model: { ...base.model, depth: 1, context: 16 },
      widths: [16, 32],
      baseWidth: 16,
      baseDepth: 1,
      sweep: { name: 'lr', log2Min: -8, log2Max: -2, log2Step: 1 },
      train: { ...base.train, steps: 12, batch: 4 },
    };
  }
  // Two seeds, so each point shows a mean and a spread and each optimum an uncertainty. The
  // grid brackets the base width's optimum (log2 -7 at width 32, measured) with five points
  // below and three above, room for SP's drift of about one octave per doubling to width 128.
  if (name === 'quick') return { ...base, train: { ...base.train, seeds: [0, 1], stack: 3 } };
  return {
    ...base,
    model: { ...base.model, depth: 4, headSize: 32, heads: undefined, context: 128 },
    widths: [128, 256, 512, 1024, 2048],
    baseWidth: 128,
    baseDepth: 4,
    sweep: { name: 'lr', log2Min: -14, log2Max: -4, log2Step: 1 },
    train: {
      steps: 1000,
      batch: 32,
      seeds: [0, 1],
      schedule: { kind: 'cosine', warmupSteps: 100, minRatio: 0.1 },
      stack: 1,
    },
  };
}
