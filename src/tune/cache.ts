/**
 * Tuning results cached per adapter: the page keeps them in IndexedDB (app/tuneStore.ts), the CLI
 * in a JSON file (fileStore.ts). `ensureTuned` reads a cached tuning for the device's adapter
 * (no timing) or tunes and caches it; `retune` always times. Either returns the record, whose
 * choices apply to the context `tunedContext` makes of it. A cached record that does not parse
 * is ignored with a one-line message naming the field, and replaced by a fresh tuning. A record
 * that parses is then checked entry by entry (checkTuneEntries): a variant the lab does not know,
 * or one whose rule refuses the shape on this device (another device of the same adapter key may
 * have had subgroups), gets one line, the thresholds decide, and the record is rewritten.
 */
import * as z from 'zod';
import { withTunedVariants, type GpuContext } from '../gpu';
import {
  adapterKey,
  applicableVariants,
  type VariantEnv,
  type VariantRegistry,
} from '../ops/variants';
import { entryOf, TUNABLE_KERNELS } from './kernels';
import { shapeClassOf, type KernelProblem } from './problems';
import { tableOf, tuneVariants, type TuneOptions, type TuneResult } from './tuner';

export const TUNE_FORMAT = 'mup-lab/tune';
export const TUNE_VERSION = 1;

/** Where tuning records live, keyed by adapterKey(). */
export interface TuneStore {
  /** The raw stored value (validated by the caller), or undefined. */
  load(key: string): Promise<unknown>;
  save(key: string, record: TuneRecord): Promise<void>;
}

const text = z.string().max(1000);
const candidate = z.strictObject({
  variant: text,
  selfTestPassed: z.boolean(),
  ms: z.number().nonnegative().optional(),
  note: text.optional(),
});
const entry = z.strictObject({
  kernel: z.enum(TUNABLE_KERNELS),
  shapeClass: text,
  chosen: text,
  threshold: text,
  candidates: z.array(candidate).max(64),
});
const tuneRecordSchema = z.strictObject({
  format: z.literal(TUNE_FORMAT),
  version: z.literal(TUNE_VERSION),
  adapterInfo: z.strictObject({
    vendor: text,
    architecture: text,
    device: text,
    description: text,
  }),
  tunedAt: text,
  result: z.strictObject({
    adapter: text,
    timing: text,
    entries: z.array(entry).max(10_000),
    skipped: z.number().int().nonnegative(),
    millis: z.number().nonnegative(),
  }),
});
export type TuneRecord = z.infer<typeof tuneRecordSchema>;

/** The record, or a one-line reason naming the first bad field. */
export function parseTuneRecord(raw: unknown): { record: TuneRecord } | { error: string } {
  const parsed = tuneRecordSchema.safeParse(raw);
  if (parsed.success) return { record: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue.path.length > 0 ? issue.path.join('.') : '(record)';
  return { error: `${field}: ${issue.message}` };
}

export interface EnsureTunedOptions extends TuneOptions {
  /** One line for the user, e.g. that a malformed cache entry was ignored. */
  onMessage?: (line: string) => void;
}

export interface Tuned {
  record: TuneRecord;
  /** True when the record came from the cache and nothing was timed. */
  fromCache: boolean;
}

function recordOf(ctx: GpuContext, result: TuneResult): TuneRecord {
  const { vendor, architecture, device, description } = ctx.adapter;
  return {
    format: TUNE_FORMAT,
    version: TUNE_VERSION,
    adapterInfo: { vendor, architecture, device, description },
    tunedAt: new Date().toISOString(),
    result,
  };
}

/** `ctx` with `record`'s choices: every op prepared on it takes the tuned variant of its shape. */
export function tunedContext(ctx: GpuContext, record: TuneRecord): GpuContext {
  return withTunedVariants(ctx, tableOf(record.result.entries));
}

/**
 * `record` with every entry the lab cannot use here replaced: a chosen variant that is not in its
 * kernel's registry is dropped (the thresholds decide); with `problems` (the shapes about to run),
 * a chosen variant whose rule refuses its shape in `env` becomes the thresholds' choice. One line
 * per replaced entry.
 */
export function checkTuneEntries(
  env: VariantEnv,
  record: TuneRecord,
  problems: readonly KernelProblem[] = [],
): { record: TuneRecord; messages: string[] } {
  const messages: string[] = [];
  const entries: TuneRecord['result']['entries'] = [];
  for (const e of record.result.entries) {
    const registry = entryOf(e.kernel).registry as VariantRegistry<string, unknown>;
    const p = problems.find((x) => x.kernel === e.kernel && shapeClassOf(x) === e.shapeClass);
    const where = `Kernel tuning cache: ${e.kernel} ${e.shapeClass}:`;
    if (!Object.hasOwn(registry.variants, e.chosen)) {
      const fallback = p ? registry.threshold(env.adapter, p.problem) : undefined;
      messages.push(
        `${where} unknown variant "${e.chosen}" (known: ${Object.keys(registry.variants).join(', ')}); ` +
          `the thresholds' ${fallback ?? 'choice'} is used and the entry rewritten`,
      );
      if (fallback) entries.push({ ...e, chosen: fallback, threshold: fallback });
      continue;
    }
    if (p && !applicableVariants(registry, env, p.problem).includes(e.chosen)) {
      const fallback = registry.threshold(env.adapter, p.problem);
      messages.push(
        `${where} variant ${e.chosen} does not apply to this shape on this device; ` +
          `the thresholds' ${fallback} is used and the entry rewritten`,
      );
      entries.push({ ...e, chosen: fallback, threshold: fallback });
      continue;
    }
    entries.push(e);
  }
  if (messages.length === 0) return { record, messages };
  return { record: { ...record, result: { ...record.result, entries } }, messages };
}

/** Saves a repaired record; a failure is one more line (the repaired choices still apply). */
async function saveRepaired(
  ctx: GpuContext,
  store: TuneStore,
  record: TuneRecord,
  onMessage?: (line: string) => void,
): Promise<void> {
  try {
    await store.save(adapterKey(ctx.adapter), record);
  } catch (e) {
    onMessage?.(`Kernel tuning cache not rewritten: ${(e as Error).message}`);
  }
}

/**
 * Reads the adapter's cached tuning, if there is a valid one (a bad one is reported); entries
 * naming variants the lab does not know are dropped, reported and the record rewritten.
 */
export async function loadTuneRecord(
  ctx: GpuContext,
  store: TuneStore,
  onMessage?: (line: string) => void,
): Promise<TuneRecord | undefined> {
  const key = adapterKey(ctx.adapter);
  let raw: unknown;
  try {
    raw = await store.load(key);
  } catch (e) {
    onMessage?.(`Kernel tuning cache unreadable, ignored: ${(e as Error).message}`);
    return undefined;
  }
  if (raw === undefined) return undefined;
  const parsed = parseTuneRecord(raw);
  if ('error' in parsed) {
    onMessage?.(`Kernel tuning cache entry ignored (${parsed.error}); tuning again`);
    return undefined;
  }
  if (adapterKey({ ...parsed.record.adapterInfo, isFallback: false }) !== key) {
    onMessage?.('Kernel tuning cache entry ignored (adapterInfo: another adapter); tuning again');
    return undefined;
  }
  const checked = checkTuneEntries(ctx, parsed.record);
  if (checked.messages.length > 0) {
    for (const m of checked.messages) onMessage?.(m);
    await saveRepaired(ctx, store, checked.record, onMessage);
  }
  return checked.record;
}

/** The problems to time, or how to find them (only called when something is timed). */
export type ProblemSource = readonly KernelProblem[] | (() => Promise<readonly KernelProblem[]>);

/** Times the problems now and caches the result. */
export async function retune(
  ctx: GpuContext,
  store: TuneStore,
  problems: ProblemSource,
  options: EnsureTunedOptions = {},
): Promise<Tuned> {
  const list = typeof problems === 'function' ? await problems() : problems;
  const record = recordOf(ctx, await tuneVariants(ctx, list, options));
  try {
    await store.save(adapterKey(ctx.adapter), record);
  } catch (e) {
    options.onMessage?.(`Kernel tuning not cached: ${(e as Error).message}`);
  }
  return { record, fromCache: false };
}

/** The cached tuning of this adapter if there is one (nothing timed), else a fresh one. */
export async function ensureTuned(
  ctx: GpuContext,
  store: TuneStore,
  problems: ProblemSource,
  options: EnsureTunedOptions = {},
): Promise<Tuned> {
  const cached = await loadTuneRecord(ctx, store, options.onMessage);
  if (cached) {
    // Each entry's rule is checked on the shapes about to run.
    const list = typeof problems === 'function' ? await problems() : problems;
    const checked = checkTuneEntries(ctx, cached, list);
    if (checked.messages.length > 0) {
      for (const m of checked.messages) options.onMessage?.(m);
      await saveRepaired(ctx, store, checked.record, options.onMessage);
    }
    return { record: checked.record, fromCache: true };
  }
  return retune(ctx, store, problems, options);
}
