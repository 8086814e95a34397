/**
 * Train/validation split and batches of next-token windows.
 *
 * A window starting at s covers tokens[s .. s+T] (T+1 tokens): inputs = tokens[s .. s+T-1],
 * targets = tokens[s+1 .. s+T]. Batches are row-major [B, T] Uint32Arrays (row b = window b).
 * Training batches draw window starts uniformly from the n - T valid ones with a seeded Rng;
 * evaluation batches use fixed, evenly spaced windows so that every evaluation of a run sees
 * the same tokens.
 */
import { Rng } from '../util/random';

export const DEFAULT_VAL_FRACTION = 0.1;

export interface TokenSplit {
  train: Uint32Array;
  val: Uint32Array;
}

export interface Batch {
  batch: number;
  context: number;
  /** [batch, context] row-major. */
  inputs: Uint32Array;
  /** [batch, context] row-major: inputs shifted by one token. */
  targets: Uint32Array;
}

/** Fewest tokens a text needs so that both parts of the split hold one window of T+1 tokens. */
export function minTokensFor(context: number, valFraction = DEFAULT_VAL_FRACTION): number {
  checkFraction(valFraction);
  const window = context + 1;
  // val = floor(n·f) ≥ T+1 and train = n - val ≥ T+1
  let n = Math.max(Math.ceil(window / valFraction), 2 * window);
  while (Math.floor(n * valFraction) < window || n - Math.floor(n * valFraction) < window) n++;
  return n;
}

function checkFraction(f: number) {
  if (!(f > 0 && f < 1)) throw new Error(`Validation fraction must be in (0, 1), got ${f}`);
}

/**
 * Splits into train (the first part) and validation (the last ⌊n·valFraction⌋ tokens). Views
 * into `tokens`, not copies. With `context`, throws unless both parts hold a full window.
 */
export function splitTokens(
  tokens: Uint32Array,
  valFraction = DEFAULT_VAL_FRACTION,
  context?: number,
): TokenSplit {
  checkFraction(valFraction);
  const nVal = Math.floor(tokens.length * valFraction);
  const split = {
    train: tokens.subarray(0, tokens.length - nVal),
    val: tokens.subarray(tokens.length - nVal),
  };
  if (context !== undefined && (split.train.length <= context || split.val.length <= context)) {
    throw new Error(
      `${tokens.length} tokens are too few for context ${context}: train has ${split.train.length} ` +
        `and validation ${split.val.length}, each needs at least ${context + 1} ` +
        `(${minTokensFor(context, valFraction)} tokens in all)`,
    );
  }
  return split;
}

function checkShape(n: number, batch: number, context: number) {
  if (!(Number.isInteger(batch) && batch > 0)) throw new Error(`Batch size must be > 0: ${batch}`);
  if (!(Number.isInteger(context) && context > 0))
    throw new Error(`Context must be > 0: ${context}`);
  if (n < context + 1) {
    throw new Error(`${n} tokens are too few for one window of context ${context} (+1)`);
  }
}

export function allocateBatch(batch: number, context: number): Batch {
  return {
    batch,
    context,
    inputs: new Uint32Array(batch * context),
    targets: new Uint32Array(batch * context),
  };
}

/** Copies the windows starting at `starts` into `out` (which must be [starts.length, T]). */
export function fillBatch(tokens: Uint32Array, starts: ArrayLike<number>, out: Batch): Batch {
  const T = out.context;
  if (starts.length !== out.batch)
    throw new Error(`${starts.length} starts for batch ${out.batch}`);
  for (let b = 0; b < starts.length; b++) {
    const s = starts[b];
    if (!(Number.isInteger(s) && s >= 0 && s + T + 1 <= tokens.length)) {
      throw new Error(`Window start ${s} is outside 0..${tokens.length - T - 1}`);
    }
    out.inputs.set(tokens.subarray(s, s + T), b * T);
    out.targets.set(tokens.subarray(s + 1, s + T + 1), b * T);
  }
  return out;
}

/** Seeded random training batches: the same seed gives the same sequence of batches. */
export class BatchSampler {
  private readonly rng: Rng;
  private readonly starts: Uint32Array;

  constructor(
    private readonly tokens: Uint32Array,
    readonly batch: number,
    readonly context: number,
    seed: number,
  ) {
    checkShape(tokens.length, batch, context);
    this.rng = new Rng(seed);
    this.starts = new Uint32Array(batch);
  }

  /** Number of distinct windows, n - T. */
  get windows(): number {
    return this.tokens.length - this.context;
  }

  /** The next batch, written into `out` when given (no allocation), else into a new one. */
  next(out: Batch = allocateBatch(this.batch, this.context)): Batch {
    if (out.batch !== this.batch || out.context !== this.context) {
      throw new Error(
        `Batch buffer is [${out.batch}, ${out.context}], need [${this.batch}, ${this.context}]`,
      );
    }
    for (let b = 0; b < this.batch; b++) this.starts[b] = this.rng.int(this.windows);
    return fillBatch(this.tokens, this.starts, out);
  }
}

/**
 * `count` fixed evaluation batches: batch · count window starts spread evenly over the valid
 * range (first at 0, last at n - T - 1; they overlap only when the text is short).
 */
export function evalBatches(
  tokens: Uint32Array,
  batch: number,
  context: number,
  count: number,
): Batch[] {
  checkShape(tokens.length, batch, context);
  if (!(Number.isInteger(count) && count > 0)) throw new Error(`Batch count must be > 0: ${count}`);
  const total = batch * count;
  const last = tokens.length - context - 1;
  const starts = Array.from({ length: total }, (_, i) =>
    total === 1 ? 0 : Math.round((i * last) / (total - 1)),
  );
  return Array.from({ length: count }, (_, k) =>
    fillBatch(tokens, starts.slice(k * batch, (k + 1) * batch), allocateBatch(batch, context)),
  );
}
