/**
 * Tuning results cached per adapter: the page keeps them in IndexedDB (app/tuneStore.ts), the CLI
 * in a JSON file (fileStore.ts). `ensureTuned` installs a cached tuning for the device's adapter
 * (no timing) or tunes and caches it; `retune` always times. A cached record that does not parse
 * is ignored with a one-line message naming the field, and replaced by a fresh tuning.
 */
import * as z from 'zod';
import type { GpuContext } from '../gpu';
import { adapterKey, installTunedVariants, TUNABLE_KERNELS } from '../ops/variants';
import type { KernelProblem } from './problems';
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

/** Installs `record`'s choices for the device's adapter (src/ops/variants.ts). */
export function installTuneRecord(ctx: GpuContext, record: TuneRecord): void {
  installTunedVariants(ctx.adapter, tableOf(record.result.entries));
}

/** Reads the adapter's cached tuning, if there is a valid one (a bad one is reported). */
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
  return parsed.record;
}

/** The problems to time, or how to find them (only called when something is timed). */
export type ProblemSource = readonly KernelProblem[] | (() => Promise<readonly KernelProblem[]>);

/** Times the problems now, caches and installs the result. */
export async function retune(
  ctx: GpuContext,
  store: TuneStore,
  problems: ProblemSource,
  options: EnsureTunedOptions = {},
): Promise<Tuned> {
  const list = typeof problems === 'function' ? await problems() : problems;
  const record = recordOf(ctx, await tuneVariants(ctx, list, options));
  installTuneRecord(ctx, record);
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
    installTuneRecord(ctx, cached);
    return { record: cached, fromCache: true };
  }
  return retune(ctx, store, problems, options);
}
