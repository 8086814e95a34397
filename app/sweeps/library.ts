/**
 * The Sweeps list in IndexedDB (idb-keyval): every sweep and import the user made, each as a
 * small summary (name, date, config summary, run count) and, apart from it, its runs. The list
 * reads only the summaries; a sweep's runs are read when it is opened or overlaid, so the list
 * stays quick however many runs are kept. Nothing here deletes a sweep the user did not delete.
 */
import { createStore, del, get, set, values, type UseStore } from 'idb-keyval';
import * as z from 'zod';
import { PRESET_LABELS, hpGrid, type SweepConfig } from '../../src/sweep/config';
import { runRecordSchema, type RunRecord } from '../../src/sweep/types';
import { verifiedWidths } from '../../src/sweep/verify';
import { PARAMETRIZATION_LABELS } from '../../src/mup/parametrizations';
import { SWEEP_STATUSES, type SweepState } from '../store';

export const LIBRARY_VERSION = 1;

const statusSchema = z.enum(SWEEP_STATUSES);

export const sweepSummarySchema = z.object({
  version: z.literal(LIBRARY_VERSION),
  id: z.string(),
  name: z.string(),
  /** When the sweep was started or imported (ms since the epoch). */
  createdAt: z.number(),
  updatedAt: z.number(),
  source: z.enum(['run', 'import', 'saved']),
  /** The config in one line: parametrizations, widths, grid, seeds, steps, data. */
  summary: z.string(),
  runs: z.number(),
  total: z.number(),
  status: statusSchema,
  /** Target widths where transfer was verified (src/sweep/verify.ts); absent before. */
  verifiedWidths: z.array(z.number()).optional(),
});
export type SweepSummary = z.infer<typeof sweepSummarySchema>;

/** What a sweep's entry keeps besides its summary: everything the charts and Resume need. */
export type StoredSweep = Pick<
  SweepState,
  'status' | 'config' | 'total' | 'vocab' | 'records' | 'targetRuns' | 'horizonRuns' | 'message'
> & { id: string };

const storedSweepSchema = z.looseObject({
  id: z.string(),
  status: statusSchema,
  config: z.looseObject({ widths: z.array(z.unknown()) }),
  total: z.number(),
  vocab: z.number().nullable(),
  records: z.array(runRecordSchema),
  targetRuns: z.array(runRecordSchema),
  horizonRuns: z.array(runRecordSchema),
  message: z.string().nullable(),
});

export interface LibraryStores {
  summaries: UseStore;
  sweeps: UseStore;
}

/** Two databases: idb-keyval keeps one object store per database. */
export function libraryStores(): LibraryStores {
  return {
    summaries: createStore('mup-lab-sweep-list', 'summaries'),
    sweeps: createStore('mup-lab-sweeps', 'sweeps'),
  };
}

let defaultStores: LibraryStores | undefined;
const stores = (s?: LibraryStores) => s ?? (defaultStores ??= libraryStores());

/** The config in one line, for the list. */
export function configSummary(c: SweepConfig): string {
  const scaled =
    c.axis === 'width' ? `widths ${c.widths.join(', ')}` : `depths ${c.depths.join(', ')}`;
  const grid = hpGrid(c.sweep).length;
  const seeds = c.train.seeds.length;
  const data = c.data.kind === 'text' ? `text “${c.data.name}”` : 'synthetic corpus';
  return [
    c.parametrizations.map((p) => PARAMETRIZATION_LABELS[p]).join(' + '),
    scaled,
    `${grid} ${c.sweep.name === 'lr' ? 'learning rates' : `${c.sweep.name} values`}`,
    // The seeds themselves while few: two sweeps that differ only in their seed differ here.
    seeds <= 4 ? `seed${seeds === 1 ? '' : 's'} ${c.train.seeds.join(', ')}` : `${seeds} seeds`,
    `${c.train.steps} steps`,
    data,
  ].join(' · ');
}

/** A name for a new entry: the preset it was started from, or "Custom". */
export function defaultName(presetName: string, source: SweepSummary['source']): string {
  if (source === 'saved') return 'Saved sweep';
  const label = Object.hasOwn(PRESET_LABELS, presetName)
    ? PRESET_LABELS[presetName as keyof typeof PRESET_LABELS]
    : 'Custom';
  return `${label} sweep`;
}

export function summaryOf(
  sweep: StoredSweep & { config: SweepConfig },
  meta: Pick<SweepSummary, 'name' | 'createdAt' | 'source'>,
  now = Date.now(),
): SweepSummary {
  return {
    version: LIBRARY_VERSION,
    id: sweep.id,
    name: meta.name,
    createdAt: meta.createdAt,
    updatedAt: now,
    source: meta.source,
    summary: configSummary(sweep.config),
    runs: sweep.records.length,
    total: sweep.total,
    status: sweep.status,
    verifiedWidths: verifiedWidths(sweep.targetRuns),
  };
}

/** Every summary, newest first; entries that do not parse (another version) are left out. */
export async function listSweeps(s?: LibraryStores): Promise<SweepSummary[]> {
  const all = await values(stores(s).summaries);
  return all
    .map((v) => sweepSummarySchema.safeParse(v))
    .flatMap((p) => (p.success ? [p.data] : []))
    .sort((a, b) => b.createdAt - a.createdAt);
}

/** Writes a sweep: its runs first, then its summary, so that the list never names missing runs. */
export async function saveSweep(
  summary: SweepSummary,
  sweep: StoredSweep,
  s?: LibraryStores,
): Promise<void> {
  const { summaries, sweeps } = stores(s);
  await set(sweep.id, strip(sweep), sweeps);
  await set(summary.id, summary, summaries);
}

/** Only the fields of a StoredSweep (a SweepState carries live curves that are not kept). */
function strip(w: StoredSweep): StoredSweep {
  return {
    id: w.id,
    status: w.status,
    config: w.config,
    total: w.total,
    vocab: w.vocab,
    records: w.records,
    targetRuns: w.targetRuns,
    horizonRuns: w.horizonRuns,
    message: w.message,
  };
}

export async function saveSummary(summary: SweepSummary, s?: LibraryStores): Promise<void> {
  await set(summary.id, summary, stores(s).summaries);
}

/** A sweep's runs, or undefined when they are missing or unreadable. */
export async function loadSweep(
  id: string,
  s?: LibraryStores,
): Promise<(StoredSweep & { config: SweepConfig; records: RunRecord[] }) | undefined> {
  const raw = await get<unknown>(id, stores(s).sweeps);
  const parsed = storedSweepSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  return parsed.data as unknown as StoredSweep & { config: SweepConfig; records: RunRecord[] };
}

/** Removes a sweep: its summary first, so that the list never names missing runs. */
export async function deleteSweep(id: string, s?: LibraryStores): Promise<void> {
  const { summaries, sweeps } = stores(s);
  await del(id, summaries);
  await del(id, sweeps);
}
