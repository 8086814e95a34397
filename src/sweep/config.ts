/**
 * A sweep's configuration: its zod schema (the one definition of a valid config, used by the
 * form, the CLI, the import and the restore), the types inferred from it, the validator, the
 * grid helpers and the presets. A sweep is a grid: widths (or depths) × one hyperparameter on a
 * log2 grid × seeds, for each parametrization. The other hyperparameters stay at their base
 * values.
 */
import * as z from 'zod';
import { MAX_CONTEXT, MAX_DEPTH, MAX_HEAD_SIZE, MAX_WIDTH } from '../limits';
import { DEFAULT_NS_STEPS, MUON_DEFAULT_MOMENTUM } from '../mup/optimizers';
import {
  PARAMETRIZATION_CHOICES,
  PARAMETRIZATION_LABELS,
  PARAMETRIZATIONS,
} from '../mup/parametrizations';
import { DEFAULT_HYPERPARAMS, DEFAULT_MOMENTUM } from '../mup/rules';
import { validateGptShape, widthStep, type GptShape } from '../mup/shapes';
import {
  hyperparamsSchema,
  intIn,
  numberIn,
  parametrizationSchema,
  str,
  sweptHpSchema,
  type SweptHp,
} from './schemaParts';

export type { SweptHp } from './schemaParts';

export const SWEPT_HP_LABELS: Record<SweptHp, string> = {
  lr: 'learning rate',
  initStd: 'init std',
  alphaOut: 'output multiplier',
  alphaAttn: 'attention multiplier',
  alphaIn: 'input multiplier',
};

/** Bounds of a sweep (the kernel and shape limits are in src/limits.ts). */
export const SWEEP_LIMITS = {
  steps: 100_000,
  batch: 1024,
  /** Runs of one sweep, and grid points of the swept hyperparameter. */
  runs: 10_000,
  stack: 64,
  mlpRatio: 16,
  corpusSize: { min: 1000, max: 10_000_000 },
  log2: { min: -40, max: 20, maxStep: 10 },
} as const;
const S = SWEEP_LIMITS;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const bool = (label: string) => z.boolean({ error: `${label} must be true or false` });
const missing = (what: string) => ({ error: `${what} settings are missing` });

const modelSchema = z
  .strictObject(
    {
      depth: intIn(1, MAX_DEPTH, `Depth must be an integer from 1 to ${MAX_DEPTH}`),
      /** Exactly one of heads (fixed count) and headSize (fixed size). */
      heads: intIn(1, Number.MAX_SAFE_INTEGER, 'Heads must be a positive integer').optional(),
      headSize: intIn(
        1,
        MAX_HEAD_SIZE,
        `Head size must be an integer from 1 to ${MAX_HEAD_SIZE}`,
      ).optional(),
      context: intIn(2, MAX_CONTEXT, `Context must be an integer from 2 to ${MAX_CONTEXT}`),
      mlpRatio: numberIn(0, S.mlpRatio, `MLP ratio must be in (0, ${S.mlpRatio}]`, true),
      tiedReadout: bool('Tied readout'),
      biases: bool('Biases'),
    },
    missing('Model'),
  )
  // Runs even when another model field failed: every problem of the form shows at once.
  .superRefine(
    (m, ctx) => {
      if (!isRecord(m)) return;
      if ((m.heads === undefined) === (m.headSize === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['heads'],
          message: 'Give either a number of heads or a head size, not both',
          input: m,
        });
      }
    },
    { when: () => true },
  );

const dataMessage = {
  error: 'Data must be the synthetic corpus, Tiny Shakespeare or a text',
};
const syntheticDataSchema = z.strictObject({
  kind: z.literal('synthetic'),
  seed: intIn(0, Number.MAX_SAFE_INTEGER, 'Corpus seed must be a non-negative integer'),
  size: intIn(
    S.corpusSize.min,
    S.corpusSize.max,
    'Corpus size must be 1,000 to 10,000,000 characters',
  ),
});
/** Tiny Shakespeare (src/data/shakespeare.ts): the whole text, loaded when chosen. */
const shakespeareDataSchema = z.strictObject({ kind: z.literal('shakespeare') });
/** The data as the lab holds it: a user's text in full. */
const dataSchema = z.discriminatedUnion(
  'kind',
  [
    syntheticDataSchema,
    shakespeareDataSchema,
    z.strictObject({
      kind: z.literal('text'),
      name: z.string(),
      text: z.string({ error: 'The text is empty' }).min(1, { error: 'The text is empty' }),
    }),
  ],
  dataMessage,
);
/** The data as exports keep it: a user's text by name and size only, never its contents. */
const exportedDataSchema = z.discriminatedUnion(
  'kind',
  [
    syntheticDataSchema,
    shakespeareDataSchema,
    z.strictObject({ kind: z.literal('text'), name: str, size: z.int().min(1) }),
  ],
  dataMessage,
);

const distinct = (xs: readonly unknown[]) => new Set(xs).size === xs.length;

/** A non-empty list of distinct integers in [1, max] (the widths or the depths). */
const sizesSchema = (field: 'widths' | 'depths', max: number) =>
  z
    .array(intIn(1, max, `Each of the ${field} must be an integer from 1 to ${max}`), {
      error: `Give at least one of the ${field}`,
    })
    .min(1, { error: `Give at least one of the ${field}` })
    .max(S.runs, { error: `At most ${S.runs} ${field}` })
    .refine(distinct, { error: `The ${field} must be distinct` });

const RANGE = `The log2 range must satisfy ${S.log2.min} ≤ min ≤ max ≤ ${S.log2.max}`;
const sweepSchema = z
  .strictObject(
    {
      name: sweptHpSchema,
      log2Min: z.number({ error: RANGE }),
      log2Max: z.number({ error: RANGE }),
      log2Step: numberIn(
        0,
        S.log2.maxStep,
        `The log2 step must be in (0, ${S.log2.maxStep}]`,
        true,
      ),
    },
    missing('Sweep'),
  )
  // Runs even when a field failed: the range is checked whenever both ends are numbers, so its
  // message shows together with, say, a step of 0.
  .superRefine(
    (s, ctx) => {
      if (!isRecord(s)) return;
      const { log2Min: lo, log2Max: hi, log2Step: step } = s;
      const issue = (field: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: [field], message, input: s });
      if (!isFiniteNumber(lo) || !isFiniteNumber(hi)) return;
      const loBad = lo < S.log2.min || lo > S.log2.max || lo > hi;
      const hiBad = hi < S.log2.min || hi > S.log2.max;
      if (loBad) issue('log2Min', RANGE);
      if (hiBad) issue('log2Max', RANGE);
      // Checked before any grid is built: a tiny step would make billions of grid points.
      if (loBad || hiBad) return;
      if (isFiniteNumber(step) && step > 0 && (hi - lo) / step > S.runs) {
        issue('log2Step', `The log2 step is too small: more than ${S.runs} grid points`);
      }
    },
    { when: () => true },
  );

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const scheduleSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('constant') }),
    z.strictObject({
      kind: z.literal('cosine'),
      warmupSteps: intIn(
        0,
        Number.MAX_SAFE_INTEGER,
        'Warm-up steps must be a non-negative integer',
      ),
      minRatio: numberIn(0, 1, 'The final LR ratio must be in [0, 1]'),
    }),
  ],
  { error: 'Schedule must be constant or cosine' },
);

const SEEDS = 'Seeds must be distinct non-negative integers';
const seedsSchema = z
  .array(z.int({ error: SEEDS }).min(0, { error: SEEDS }), { error: SEEDS })
  .min(1, { error: SEEDS })
  .max(S.runs, { error: SEEDS })
  .refine(distinct, { error: SEEDS });
const trainSchema = z.strictObject(
  {
    steps: intIn(1, S.steps, `Steps must be an integer from 1 to ${S.steps}`),
    batch: intIn(1, S.batch, `Batch must be an integer from 1 to ${S.batch}`),
    seeds: seedsSchema,
    schedule: scheduleSchema,
    /** Runs of one width trained side by side in one set of dispatches (1 = one at a time). */
    stack: intIn(1, S.stack, `Stack must be an integer from 1 to ${S.stack}`),
  },
  missing('Training'),
);

const PICK_PARAMETRIZATIONS = `Pick ${PARAMETRIZATIONS.map((p) => PARAMETRIZATION_LABELS[p]).join(', ')} or both`;
const DISTINCT_PARAMETRIZATIONS = `Parametrizations must be distinct values of ${PARAMETRIZATION_CHOICES}`;

/** Every field of a config but the data (which the lab and exports hold differently). */
const planFields = {
  model: modelSchema,
  parametrizations: z
    .array(parametrizationSchema, { error: DISTINCT_PARAMETRIZATIONS })
    .min(1, { error: PICK_PARAMETRIZATIONS })
    .max(PARAMETRIZATIONS.length, { error: PICK_PARAMETRIZATIONS })
    .refine(distinct, { error: DISTINCT_PARAMETRIZATIONS }),
  /** What is scaled: the width (µTransfer across width) or the depth. */
  axis: z.enum(['width', 'depth'], { error: 'Axis must be "width" or "depth"' }),
  /** Widths trained (axis = width), or the one width used (axis = depth: widths[0]). */
  widths: sizesSchema('widths', MAX_WIDTH),
  /** Depths trained when axis = depth (their range is checked only then). */
  depths: z.array(z.number(), { error: 'Depths must be a list of integers' }).max(S.runs),
  baseWidth: intIn(1, MAX_WIDTH, `Base width must be an integer from 1 to ${MAX_WIDTH}`),
  baseDepth: intIn(1, MAX_DEPTH, `Base depth must be an integer from 1 to ${MAX_DEPTH}`),
  /** Base hyperparameters; the swept one is replaced run by run. */
  hp: hyperparamsSchema,
  sweep: sweepSchema,
  train: trainSchema,
};
const NOT_OBJECT = { error: 'Config must be an object' };

/**
 * Adds the rules that span fields. It runs whatever else failed (zod would skip it after a
 * field's type error), and each rule runs on the fields it needs when those are valid on their
 * own: all the form's messages show at once, never one batch after another.
 */
function checkWholeConfig(v: unknown, ctx: z.RefinementCtx): void {
  if (!isRecord(v)) return;
  for (const e of wholeConfigErrors(validParts(v))) {
    ctx.addIssue({ code: 'custom', path: e.field.split('.'), message: e.message, input: v });
  }
}
const ALWAYS = { when: () => true };

/** A sweep's configuration as the form, the CLI and the saved state hold it. */
export const sweepConfigSchema = z
  .strictObject({ ...planFields, data: dataSchema }, NOT_OBJECT)
  .superRefine(checkWholeConfig, ALWAYS);
/** A sweep's configuration as exports carry it (a user's text by name and size). */
export const exportedSweepConfigSchema = z
  .strictObject({ ...planFields, data: exportedDataSchema }, NOT_OBJECT)
  .superRefine(checkWholeConfig, ALWAYS);

export type SweepConfig = z.infer<typeof sweepConfigSchema>;
export type ExportedSweepConfig = z.infer<typeof exportedSweepConfigSchema>;
export type ModelConfig = SweepConfig['model'];
export type DataConfig = SweepConfig['data'];
export type TrainConfig = SweepConfig['train'];
/** What the grid and the shapes depend on: everything but the data. */
export type SweepPlan = Omit<SweepConfig, 'data'>;

export interface ConfigError {
  /** Dotted path of the field, e.g. 'train.steps' or 'widths'. */
  field: string;
  message: string;
}

export interface AdapterLimitsLike {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** The fields of a config that are valid on their own (the others are undefined). */
type ValidParts = { [K in keyof SweepPlan]?: SweepPlan[K] } & { seeds?: number[] };

function validParts(v: Record<string, unknown>): ValidParts {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(planFields)) {
    const parsed = schema.safeParse(v[key]);
    if (parsed.success) out[key] = parsed.data;
  }
  const train = isRecord(v.train) ? v.train : {};
  const seeds = seedsSchema.safeParse(train.seeds);
  if (seeds.success) out.seeds = seeds.data;
  return out as ValidParts;
}

/**
 * The rules that span fields, each checked when the fields it needs are valid on their own:
 * the depths of a depth sweep, each trained shape a valid GPT (head divisibility, head size
 * limit...), the run count.
 */
function wholeConfigErrors(c: ValidParts): ConfigError[] {
  const errors: ConfigError[] = [];
  let depths = c.axis === 'width' ? c.depths : undefined;
  if (c.axis === 'depth') {
    const parsed = sizesSchema('depths', MAX_DEPTH).safeParse(c.depths);
    if (parsed.success) depths = parsed.data;
    else if (c.depths !== undefined) {
      errors.push({ field: 'depths', message: parsed.error.issues[0].message });
    }
  }
  // The vocabulary does not decide whether a shape is valid (no corpus has 4096+ symbols).
  const vocab = 2;
  const { model, axis } = c;
  const depth = axis === 'depth' ? depths?.[0] : model?.depth;
  if (model && axis && depth !== undefined) {
    const widths = c.widths ? (axis === 'width' ? c.widths : [c.widths[0]]) : [];
    const all = c.baseWidth === undefined ? widths : [...widths, c.baseWidth];
    const step = widthStep(model);
    for (const w of all) {
      const field = w === c.baseWidth && !widths.includes(w) ? 'baseWidth' : 'widths';
      if (w % step !== 0) {
        errors.push({ field, message: widthRuleMessage(model, w, step) });
        continue;
      }
      for (const problem of validateGptShape(
        shapeFor(c as { model: ModelConfig }, w, depth, vocab),
      )) {
        errors.push({ field, message: `Width ${w}: ${problem.message}` });
      }
    }
  }
  const { parametrizations, widths, sweep, seeds } = c;
  if (parametrizations && axis && widths && depths && sweep && seeds) {
    const runs = runCount({ parametrizations, axis, widths, depths, sweep, train: { seeds } });
    if (runs > S.runs) {
      errors.push({
        field: 'sweep',
        message: `The sweep has ${runs} runs; at most ${S.runs} are allowed`,
      });
    }
  }
  return errors;
}

/** Why width `w` breaks the valid-width rule of src/mup/shapes.ts (widthStep). */
function widthRuleMessage(model: ModelConfig, w: number, step: number): string {
  const unit = model.heads ?? model.headSize;
  const by = model.heads !== undefined ? `${model.heads} heads` : `head size ${unit}`;
  return step === unit
    ? `Width ${w} is not divisible by ${by}`
    : `Width ${w} is not a multiple of ${step} (divisible by ${by}, and MLP ratio ${model.mlpRatio} × width whole)`;
}

/**
 * The form field an issue belongs to, e.g. "train.steps": a list's entry counts as the list
 * ("widths", not "widths.1") and a union's discriminator as the union ("data", not "data.kind").
 */
function fieldOf(issue: z.core.$ZodIssue): string {
  const index = issue.path.findIndex((k) => typeof k === 'number');
  let path = index < 0 ? issue.path : issue.path.slice(0, index);
  if (issue.code === 'invalid_union' && path[path.length - 1] === 'kind') path = path.slice(0, -1);
  return path.map(String).join('.');
}

/**
 * Why the data cannot be prepared with this context (the first problem), or undefined: asked
 * before tokenising, so that a corpus size of 1e308 never reaches the corpus generator.
 */
export function dataProblem(data: unknown, context: unknown): string | undefined {
  const parsed = dataSchema.safeParse(data);
  if (!parsed.success) return parsed.error.issues[0].message;
  const ctx = modelSchema.shape.context.safeParse(context);
  return ctx.success ? undefined : ctx.error.issues[0].message;
}

/**
 * The log2 grid of the swept hyperparameter, inclusive of both ends. A grid the schema would
 * refuse (a step of 0, NaN, more than SWEEP_LIMITS.runs points) throws instead of filling the
 * memory: callers validate first, this is the last guard.
 */
export function hpGrid(s: SweepConfig['sweep']): number[] {
  const n = Math.floor((s.log2Max - s.log2Min) / s.log2Step + 1e-9);
  if (!(s.log2Step > 0) || !Number.isFinite(n) || n > S.runs) {
    throw new RangeError(
      `The log2 grid from ${s.log2Min} to ${s.log2Max} by ${s.log2Step} is not a valid grid`,
    );
  }
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(Number((s.log2Min + i * s.log2Step).toFixed(10)));
  return out;
}

/** The grid of a sweep section, or undefined while its fields are not valid (e.g. a step of 0). */
export function validHpGrid(s: unknown): number[] | undefined {
  const parsed = sweepSchema.safeParse(s);
  return parsed.success ? hpGrid(parsed.data) : undefined;
}

/** The scaled values (widths or depths) in the order they are trained. */
export function scaledValues(c: Pick<SweepPlan, 'axis' | 'widths' | 'depths'>): number[] {
  return c.axis === 'width' ? [...c.widths] : [...c.depths];
}

/** The GPT shape of one run of the sweep. */
export function shapeFor(
  c: Pick<SweepPlan, 'model'>,
  width: number,
  depth: number,
  vocab: number,
): GptShape {
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

export function runCount(
  c: Pick<SweepPlan, 'parametrizations' | 'axis' | 'widths' | 'depths' | 'sweep'> & {
    train: Pick<SweepPlan['train'], 'seeds'>;
  },
): number {
  return (
    c.parametrizations.length *
    scaledValues(c).length *
    hpGrid(c.sweep).length *
    c.train.seeds.length
  );
}

/**
 * Every problem with a config, each naming its field; empty when the config can run. `vocab`
 * (when known) and the adapter's limits let it refuse widths whose buffers could not be bound.
 */
export function validateSweepConfig(
  c: SweepConfig,
  opts: { vocab?: number; limits?: AdapterLimitsLike } = {},
): ConfigError[] {
  const parsed = sweepConfigSchema.safeParse(c);
  const errors: ConfigError[] = [];
  if (!parsed.success) {
    const seen = new Set<string>();
    for (const issue of parsed.error.issues) {
      const e = { field: fieldOf(issue), message: issue.message };
      const key = `${e.field}\n${e.message}`;
      if (!seen.has(key)) errors.push(e);
      seen.add(key);
    }
  }
  // The adapter's limit needs the model, the training and the widths valid, not the rest.
  if (!opts.limits) return errors;
  const parts: ValidParts = parsed.success ? c : isRecord(c) ? validParts(c) : {};
  const train: Record<string, unknown> = isRecord(c) && isRecord(c.train) ? c.train : {};
  const batch = trainSchema.shape.batch.safeParse(train.batch);
  const stack = trainSchema.shape.stack.safeParse(train.stack);
  const depthsValid =
    parts.axis === 'width' || sizesSchema('depths', MAX_DEPTH).safeParse(parts.depths).success;
  if (!parts.model || !parts.widths || !parts.axis || !depthsValid) return errors;
  if (!batch.success || !stack.success) return errors;
  const sized: SizedPlan & { widths: number[] } = {
    model: parts.model,
    widths: parts.widths,
    axis: parts.axis,
    depths: parts.depths ?? [],
    train: { batch: batch.data, stack: stack.data },
  };
  const vocab = opts.vocab ?? 96;
  const widest = Math.max(...sized.widths);
  const largest = largestActivationBytes(sized, widest, vocab);
  const limit = Math.min(opts.limits.maxStorageBufferBindingSize, opts.limits.maxBufferSize);
  if (largest <= limit) return errors;
  const fits = largestFittingWidth(sized, vocab, limit);
  errors.push({
    field: 'widths',
    message:
      `Width ${widest} needs a ${(largest / 2 ** 20).toFixed(0)} MiB buffer, more than this adapter's ${(limit / 2 ** 20).toFixed(0)} MiB limit; ` +
      (fits
        ? `the largest width that fits is ${fits}`
        : 'no width fits; lower the batch or context'),
  });
  return errors;
}

/** What the buffer sizes depend on. */
type SizedPlan = Pick<SweepConfig, 'model' | 'axis' | 'depths'> & {
  train: Pick<SweepConfig['train'], 'batch' | 'stack'>;
};

/**
 * Bytes of the largest single GPU buffer a run of this width needs: the biggest of the MLP
 * activations [stack·B·T, 4d], the logits [stack·B·T, V] and the stacked parameters.
 */
export function largestActivationBytes(c: SizedPlan, width: number, vocab: number): number {
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

/** The largest valid width (a multiple of widthStep) whose buffers fit under `limit` bytes. */
export function largestFittingWidth(
  c: SizedPlan,
  vocab: number,
  limit: number,
): number | undefined {
  const step = widthStep(c.model);
  let best: number | undefined;
  for (let w = step; w <= MAX_WIDTH; w += step) {
    if (largestActivationBytes(c, w, vocab) <= limit) best = w;
    else break;
  }
  return best;
}

/** Presets from the lab's "Preset" select. */
export type PresetName = 'tiny' | 'tiny-sgd' | 'tiny-muon' | 'quick' | 'paper';

export const PRESET_LABELS: Record<PresetName, string> = {
  tiny: 'Tiny',
  'tiny-sgd': 'Tiny, SGD',
  'tiny-muon': 'Tiny, Muon',
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
    // A first look in under two minutes even on a CPU fallback adapter: three narrow widths (a
    // drift from three points), two seeds (a spread), 16 steps, the seven learning rates of a
    // width stacked into one set of dispatches. Measured (CLI, SwiftShader): best grid points
    // log2 -6, -7, -8 at widths 16, 32, 64 under SP and -6, -6, -5 under µP, on training and
    // validation loss alike: the grid -9..-3 holds every one inside (presets.test.ts checks it).
    return {
      ...base,
      model: { ...base.model, depth: 1, context: 16 },
      widths: [16, 32, 64],
      baseWidth: 16,
      baseDepth: 1,
      sweep: { name: 'lr', log2Min: -9, log2Max: -3, log2Step: 1 },
      train: { ...base.train, steps: 16, batch: 4, seeds: [0, 1], stack: 7 },
    };
  }
  if (name === 'tiny-sgd') {
    // Tiny with SGD (momentum 0.9; MuSGD's rules under µP): SGD's learning rates are far larger
    // than Adam's. Measured on the built-in corpus (2026-12-07, SwiftShader): SP and µP at width
    // 16 near log2 -1.5, µP at 32 near -1.6, SP at 32 near -2.3: inside -5..1, one step from the
    // top; at log2 1 runs diverge. presets.test.ts checks it.
    const tiny = preset('tiny');
    return {
      ...tiny,
      hp: { ...tiny.hp, optimizer: 'sgd', momentum: DEFAULT_MOMENTUM },
      sweep: { name: 'lr', log2Min: -5, log2Max: 1, log2Step: 1 },
    };
  }
  if (name === 'tiny-muon') {
    // Tiny with Muon (momentum 0.95, 5 Newton-Schulz steps; AdamW on embeddings, readout and
    // gains): SP-Muon scales the update by 0.2·√max(fan_in, fan_out), µP-Muon by
    // √(fan_out/fan_in). Measured on the built-in corpus (CLI, SwiftShader, 2026-12-07, grid
    // -10..-1): best grid points log2 -4, -5, -6 at widths 16, 32, 64 under SP on training and
    // validation loss; under µP -4, -3, -4 on training loss and -4, -4, -4 on validation loss.
    // SP at width 64 diverges at -1. The grid -8..-2 holds each one at least a step inside
    // (presets.test.ts checks it).
    const tiny = preset('tiny');
    return {
      ...tiny,
      hp: {
        ...tiny.hp,
        optimizer: 'muon',
        momentum: MUON_DEFAULT_MOMENTUM,
        nsSteps: DEFAULT_NS_STEPS,
      },
      sweep: { name: 'lr', log2Min: -8, log2Max: -2, log2Step: 1 },
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
