/**
 * Keeps the user's work: the config and the finished runs autosave to IndexedDB (idb-keyval),
 * and a reload restores them. The saved value carries a schema version; a value of another
 * version, or one that does not look like ours, is ignored rather than half-restored.
 */
import { del, get, set } from 'idb-keyval';
import * as z from 'zod';
import { PRESET_LABELS, type PresetName, type SweepConfig } from '../src/sweep/config';
import { runRecordSchema, type RunRecord } from '../src/sweep/types';
import { clearJournal, journalRecords, sweepKey } from './runJournal';
import { setAside, setAsideMessage, sweepConfigProblem } from './setAside';
import { SWEEP_STATUSES, useLab, type LabState } from './store';
import type { RunPart } from './worker/protocol';

export const STORAGE_KEY = 'mup-lab/state';
export const SCHEMA_VERSION = 2;

/**
 * The form's config as it was being typed: the structure of a SweepConfig, its values not yet
 * checked (the form shows their errors after the restore; a half-typed field must not cost the
 * saved work). A sweep's config is kept the same way: an imported sweep has an empty text.
 */
const configStructure = z.looseObject({
  model: z.looseObject({}),
  data: z.looseObject({}),
  sweep: z.looseObject({}),
  train: z.looseObject({ seeds: z.array(z.unknown()) }),
  hp: z.looseObject({}),
  widths: z.array(z.unknown()),
  depths: z.array(z.unknown()),
  parametrizations: z.array(z.unknown()),
});
const draftConfigSchema = z.custom<SweepConfig>((v) => configStructure.safeParse(v).success);

const sweepStatusSchema = z.enum(SWEEP_STATUSES);

export const savedStateSchema = z.object({
  schema: z.literal(SCHEMA_VERSION),
  savedAt: z.number(),
  config: draftConfigSchema,
  presetName: z.custom<PresetName | 'custom'>(
    (v) => v === 'custom' || (typeof v === 'string' && Object.hasOwn(PRESET_LABELS, v)),
  ),
  textFile: z
    .object({ name: z.string(), bytes: z.number(), chars: z.number(), distinct: z.number() })
    .nullable(),
  measured: z
    .object({
      adapter: z.string(),
      rates: z.array(
        z.object({
          flopsPerStep: z.number(),
          secondsPerStep: z.number(),
          runSeconds: z.number().optional(),
          source: z.enum(['sweep', 'benchmark']),
        }),
      ),
    })
    .nullable(),
  sweep: z.object({
    /** Its entry in the Sweeps list (app/sweeps/library.ts); null: none yet. */
    id: z.string().nullable(),
    status: sweepStatusSchema,
    config: draftConfigSchema.nullable(),
    total: z.number(),
    vocab: z.number().nullable(),
    records: z.array(runRecordSchema),
    targetRuns: z.array(runRecordSchema),
    /** The horizon runs of a cosine sweep (absent in states saved before them). */
    horizonRuns: z.array(runRecordSchema).default([]),
    message: z.string().nullable(),
  }),
});

export type SavedState = z.infer<typeof savedStateSchema>;

/**
 * The settings of a save that was still waiting for its debounce when the page was hidden or
 * unloaded, kept synchronously in localStorage: an IndexedDB write begun while the page unloads
 * is not always committed (in Chromium, 6 of 10 e2e reloads lost it). The next IndexedDB save
 * as new as it removes it; a restore takes whichever of the two is newer.
 */
export const PENDING_SETTINGS_KEY = 'mup-lab/pending-settings';
const pendingSettingsSchema = savedStateSchema.pick({
  schema: true,
  savedAt: true,
  config: true,
  presetName: true,
  textFile: true,
});
type PendingSettings = z.infer<typeof pendingSettingsSchema>;

function readPendingSettings(): PendingSettings | undefined {
  try {
    const text = localStorage.getItem(PENDING_SETTINGS_KEY);
    if (text === null) return undefined;
    const parsed = pendingSettingsSchema.safeParse(migrateSaved(JSON.parse(text)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function writePendingSettings(value: SavedState): void {
  const { schema, savedAt, config, presetName, textFile } = value;
  try {
    localStorage.setItem(
      PENDING_SETTINGS_KEY,
      JSON.stringify({ schema, savedAt, config, presetName, textFile }),
    );
  } catch {
    // No localStorage, or a text corpus beyond its quota: the IndexedDB save is all there is.
  }
}

/** Forgets the pending settings once IndexedDB holds a save at least as new (savedAt ≤ upTo). */
function dropPendingSettings(upTo: number): void {
  try {
    const pending = readPendingSettings();
    if (pending === undefined || pending.savedAt <= upTo)
      localStorage.removeItem(PENDING_SETTINGS_KEY);
  } catch {
    // Nothing to drop.
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Brings a value saved by an older version of the lab up to SCHEMA_VERSION, one version at a
 * time; a value it does not know comes back unchanged (and parseSaved then refuses it).
 *   0 → 1  the first saves had no `schema` field (or `schema: 0`); otherwise the same shape.
 *   1 → 2  the sweep gets an `id` (null: the Sweeps list adds it as an entry when it starts), and
 *          `measured` holds step rates per model size instead of one FLOP/s figure (that figure
 *          is dropped: measured at one width it misjudged the others; the next sweep measures).
 */
export function migrateSaved(v: unknown): unknown {
  if (!isObject(v)) return v;
  let out: Record<string, unknown> = v;
  if (out.schema === undefined || out.schema === 0) out = { ...out, schema: 1 };
  if (out.schema === 1) {
    const sweep = isObject(out.sweep) ? { ...out.sweep, id: null } : out.sweep;
    out = { ...out, schema: 2, measured: null, sweep };
  }
  return out;
}

/** The saved state if there is one of this schema version, else undefined. */
export function parseSaved(v: unknown): SavedState | undefined {
  const parsed = savedStateSchema.safeParse(v);
  return parsed.success ? parsed.data : undefined;
}

function snapshot(s: LabState): SavedState {
  return {
    schema: SCHEMA_VERSION,
    savedAt: Date.now(),
    config: s.config,
    presetName: s.presetName,
    textFile: s.textFile,
    measured: s.measured,
    sweep: {
      id: s.sweep.id,
      status: s.sweep.status,
      config: s.sweep.config,
      total: s.sweep.total,
      vocab: s.sweep.vocab,
      records: s.sweep.records,
      targetRuns: s.sweep.targetRuns,
      horizonRuns: s.sweep.horizonRuns,
      message: s.sweep.message,
    },
  };
}

/** What a reload finds: an unfinished sweep becomes 'interrupted', ready to resume. */
export function restoredSweep(saved: SavedState['sweep']): SavedState['sweep'] {
  const unfinished =
    saved.status === 'running' || saved.status === 'paused' || saved.status === 'interrupted';
  if (!unfinished || saved.config === null) return saved;
  if (saved.records.length >= saved.total) return { ...saved, status: 'completed', message: null };
  return {
    ...saved,
    status: 'interrupted',
    message:
      saved.status === 'interrupted' && saved.message
        ? saved.message
        : `The page was closed or reloaded during the sweep: ${saved.records.length} of ${saved.total} runs had finished and were kept.`,
  };
}

/** Adds the runs (grid and horizon runs) the worker journalled after the last autosave of this sweep. */
async function withJournal(sweep: SavedState['sweep']): Promise<SavedState['sweep']> {
  if (!sweep.config) return sweep;
  const key = sweepKey(sweep.config);
  const merged = async (kept: RunRecord[], part: RunPart) => {
    const have = new Set(kept.map((r) => r.id));
    const extra = (await journalRecords(key, part).catch(() => [])).filter(
      (r) => runRecordSchema.safeParse(r).success && !have.has(r.id),
    );
    return extra.length === 0 ? kept : [...kept, ...extra];
  };
  return {
    ...sweep,
    records: await merged(sweep.records, 'grid'),
    horizonRuns: await merged(sweep.horizonRuns, 'horizon'),
  };
}

/** Reads the saved state into the store. Never throws: without IndexedDB the lab just starts fresh. */
export async function restoreSaved(): Promise<void> {
  try {
    // No time-out: starting fresh while the saved work is still being read would let the next
    // autosave overwrite it. IndexedDB answers or fails; a busy machine only makes it slow.
    const raw = await get<unknown>(STORAGE_KEY);
    const pending = readPendingSettings();
    let saved = raw === undefined ? undefined : parseSaved(migrateSaved(raw));
    // A value that does not parse, or whose results' config is invalid (charts would be built
    // from it), is set aside before the first autosave can overwrite it; the page opens.
    const problem =
      raw === undefined
        ? undefined
        : saved
          ? sweepConfigProblem(saved.sweep.config)
          : 'it does not match this version of the lab';
    if (problem !== undefined) {
      saved = undefined;
      useLab.getState().setNotice(setAsideMessage(problem, await setAside(STORAGE_KEY, raw)));
    }
    const settings = pending && pending.savedAt > (saved?.savedAt ?? -Infinity) ? pending : saved;
    if (!settings) return;
    useLab.getState().restore({
      config: settings.config,
      presetName: settings.presetName,
      textFile: settings.textFile,
      measured: saved?.measured,
      sweep: saved ? restoredSweep(await withJournal(saved.sweep)) : undefined,
    });
  } catch {
    // Private windows may refuse IndexedDB: nothing to restore.
  }
}

/**
 * Saves on every change of what is worth keeping (not the live curves): settings debounced,
 * a finished run or a change of the sweep's status at once, so that closing the page right
 * after a run finished does not lose it. A save still waiting for its debounce is written at
 * once when the page is hidden or unloaded (pagehide, visibilitychange to hidden): a setting
 * changed just before a reload or a closed tab is kept. Returns a function that stops it all.
 */
/** How often the finished runs of a running sweep are saved (they are journalled at once). */
const RUNNING_SAVE_MS = 1000;

export function startAutosave(delayMs = 250): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failed = false;
  const save = () => {
    timer = undefined;
    const state = useLab.getState();
    const value = snapshot(state);
    set(STORAGE_KEY, value)
      .then(() => {
        dropPendingSettings(value.savedAt);
        useLab.getState().setSaved({ at: value.savedAt, runs: value.sweep.records.length });
      })
      .catch(() => {
        if (failed) return;
        failed = true;
        useLab
          .getState()
          .setNotice('Your work cannot be saved in this browser (IndexedDB is not available).');
      });
  };
  const flush = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    writePendingSettings(snapshot(useLab.getState()));
    save();
  };
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') flush();
  };
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', onVisibility);
  const unsubscribe = useLab.subscribe((s, prev) => {
    const changed =
      s.config !== prev.config ||
      s.presetName !== prev.presetName ||
      s.textFile !== prev.textFile ||
      s.measured !== prev.measured ||
      s.sweep.status !== prev.sweep.status ||
      s.sweep.records !== prev.sweep.records ||
      s.sweep.targetRuns !== prev.sweep.targetRuns ||
      s.sweep.horizonRuns !== prev.sweep.horizonRuns ||
      s.sweep.config !== prev.sweep.config;
    if (!changed) return;
    const urgent =
      s.sweep.records !== prev.sweep.records ||
      s.sweep.horizonRuns !== prev.sweep.horizonRuns ||
      s.sweep.status !== prev.sweep.status;
    // While the sweep runs, its finished runs are journalled by the worker before the page
    // hears of them (withJournal restores them): saving the whole list once a second is enough,
    // and a fast GPU's hundreds of runs a second do not each cost a copy of every record.
    const runsOnly = s.sweep.status === 'running' && s.sweep.status === prev.sweep.status;
    if (urgent && runsOnly && timer !== undefined) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(save, urgent ? (runsOnly ? RUNNING_SAVE_MS : 0) : delayMs);
  });
  return () => {
    unsubscribe();
    removeEventListener('pagehide', flush);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}

/** Forgets everything saved. */
export async function clearSaved(): Promise<void> {
  try {
    await Promise.all([del(STORAGE_KEY), clearJournal()]);
  } catch {
    // Nothing was saved.
  }
}
