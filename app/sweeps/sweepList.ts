/**
 * The Sweeps list on the page: the summaries read from IndexedDB (library.ts), which entry the
 * charts show (the lab store's sweep.id), an overlaid second sweep, and the last deletion for
 * Undo. startSweepList() keeps the entry of the shown sweep up to date as its runs finish.
 */
import { create } from 'zustand';
import type { SweepConfig } from '../../src/sweep/config';
import type { RunRecord } from '../../src/sweep/types';
import { restoredSweep } from '../persist';
import { IDLE, newSweepId, useLab, type LabState } from '../store';
import {
  defaultName,
  deleteSweep,
  listSweeps,
  loadSweep,
  saveSummary,
  saveSweep,
  summaryOf,
  type StoredSweep,
  type SweepSummary,
} from './library';

export interface Overlay {
  id: string;
  name: string;
  config: SweepConfig;
  records: RunRecord[];
}

interface Deleted {
  summary: SweepSummary;
  sweep: StoredSweep | undefined;
  /** It was the sweep the charts showed: Undo shows it again. */
  wasShown: boolean;
}

interface SweepListState {
  loaded: boolean;
  entries: SweepSummary[];
  overlay: Overlay | null;
  deleted: Deleted | null;
  /** A storage problem, in words for the user. */
  message: string | null;
}

export const useSweepList = create<SweepListState>(() => ({
  loaded: false,
  entries: [],
  overlay: null,
  deleted: null,
  message: null,
}));

/** The name and source the next new entry gets (an import names its file). */
let nextEntry: { name: string; source: SweepSummary['source'] } | null = null;

/** Names the entry that the next import (or sweep) makes. */
export function nameNextEntry(name: string, source: SweepSummary['source']): void {
  nextEntry = { name, source };
}

function failed(what: string): (e: unknown) => void {
  return (e) =>
    useSweepList.setState({
      message: `${what}: ${e instanceof Error ? e.message : String(e)}`,
    });
}

function upsert(summary: SweepSummary): void {
  useSweepList.setState((s) => {
    const rest = s.entries.filter((e) => e.id !== summary.id);
    return { entries: [summary, ...rest].sort((a, b) => b.createdAt - a.createdAt) };
  });
}

type Shown = StoredSweep & { config: SweepConfig };

function shownSweep(s: LabState): Shown | undefined {
  const w = s.sweep;
  if (w.id === null || w.config === null) return undefined;
  return { ...w, id: w.id, config: w.config };
}

/** Writes the shown sweep's entry (a new one when the list does not have it yet). */
function writeShown(lab: LabState = useLab.getState()): Promise<void> {
  const sweep = shownSweep(lab);
  if (!sweep) return Promise.resolve();
  const known = useSweepList.getState().entries.find((e) => e.id === sweep.id);
  let meta: Pick<SweepSummary, 'name' | 'createdAt' | 'source'>;
  if (known) meta = known;
  else {
    const source: SweepSummary['source'] =
      nextEntry?.source ?? (sweep.status === 'running' ? 'run' : 'import');
    meta = {
      name: nextEntry?.name ?? defaultName(lab.presetName, source),
      createdAt: Date.now(),
      source,
    };
    nextEntry = null;
  }
  const summary = summaryOf(sweep, meta);
  upsert(summary);
  return saveSweep(summary, sweep).catch(failed('The sweep could not be saved'));
}

/**
 * Reads the list, adds the restored sweep when the list lacks it (a state saved before the list
 * existed, schema 1, has no id: it becomes an entry of its own), then keeps the shown sweep's
 * entry current: at once when a new sweep appears, else debounced (a fast GPU finishes many runs
 * a second; the lab's own autosave keeps the shown sweep meanwhile, and a reload writes it here).
 */
export async function startSweepList(delayMs = 500): Promise<() => void> {
  try {
    useSweepList.setState({ entries: await listSweeps(), loaded: true });
  } catch (e) {
    useSweepList.setState({ loaded: true });
    failed('The Sweeps list could not be read')(e);
  }
  const lab = useLab.getState();
  if (lab.sweep.config !== null && lab.sweep.id === null) {
    nameNextEntry(defaultName(lab.presetName, 'saved'), 'saved');
    useLab.setState((s) => ({ sweep: { ...s.sweep, id: newSweepId() } }));
  }
  await writeShown();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    void writeShown();
  };
  const unsubscribe = useLab.subscribe((s, prev) => {
    const a = s.sweep;
    const b = prev.sweep;
    if (a.id === null) return;
    const fresh = a.id !== b.id;
    const changed =
      fresh ||
      a.records !== b.records ||
      a.status !== b.status ||
      a.targetRuns !== b.targetRuns ||
      a.horizonRuns !== b.horizonRuns ||
      a.message !== b.message;
    if (!changed) return;
    if (timer !== undefined) clearTimeout(timer);
    // A new sweep while the last one's write waits (e.g. Run sweep just after the last stack of
    // runs finished together): write the last one as it ended first.
    if (fresh && timer !== undefined && b.id !== null) void writeShown(prev);
    timer = setTimeout(
      () => {
        timer = undefined;
        void writeShown();
      },
      fresh ? 0 : delayMs,
    );
  });
  // (Not in Node, where the unit tests run this.)
  globalThis.addEventListener?.('pagehide', flush);
  return () => {
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
    globalThis.removeEventListener?.('pagehide', flush);
  };
}

/** A sweep or its horizon runs are training: their results must land in the sweep shown. */
const active = () => {
  const { sweep, horizon } = useLab.getState();
  return sweep.status === 'running' || sweep.status === 'paused' || horizon.status !== 'idle';
};

/** Shows a kept sweep in the charts (its runs are read now); the form keeps its settings. */
export async function openSweep(id: string): Promise<void> {
  if (active()) return;
  const sweep = await loadSweep(id).catch(() => undefined);
  if (!sweep) {
    useSweepList.setState({ message: 'The runs of this sweep could not be read.' });
    return;
  }
  const shown = restoredSweep({ ...sweep, id: sweep.id });
  useLab.setState({
    sweep: { ...IDLE, ...shown, id: sweep.id },
    horizon: { status: 'idle', message: null },
  });
  useSweepList.setState((s) => ({
    overlay: s.overlay?.id === id ? null : s.overlay,
    message: null,
  }));
}

/** Loads a kept sweep's settings into the form. */
export async function loadSettingsOf(id: string): Promise<void> {
  const sweep = await loadSweep(id).catch(() => undefined);
  if (!sweep) {
    useSweepList.setState({ message: 'The settings of this sweep could not be read.' });
    return;
  }
  useLab.setState((s) => {
    const config = sweep.config;
    // Exports leave a user's text out: the loaded data stays then.
    const textMissing = config.data.kind === 'text' && config.data.text === '';
    return {
      config: textMissing ? { ...config, data: s.config.data } : config,
      presetName: 'custom',
      configVersion: s.configVersion + 1,
    };
  });
}

/** Draws a kept sweep over the shown one (null: no overlay). */
export async function overlaySweep(id: string | null): Promise<void> {
  if (id === null) {
    useSweepList.setState({ overlay: null });
    return;
  }
  const entry = useSweepList.getState().entries.find((e) => e.id === id);
  const sweep = await loadSweep(id).catch(() => undefined);
  if (!sweep || !entry) {
    useSweepList.setState({ message: 'The runs of this sweep could not be read.' });
    return;
  }
  useSweepList.setState({
    overlay: { id, name: entry.name, config: sweep.config, records: sweep.records },
    message: null,
  });
}

export async function renameSweep(id: string, name: string): Promise<void> {
  const entry = useSweepList.getState().entries.find((e) => e.id === id);
  const trimmed = name.trim();
  if (!entry || trimmed === '' || trimmed === entry.name) return;
  const summary = { ...entry, name: trimmed, updatedAt: Date.now() };
  upsert(summary);
  useSweepList.setState((s) => ({
    overlay: s.overlay?.id === id ? { ...s.overlay, name: trimmed } : s.overlay,
  }));
  await saveSummary(summary).catch(failed('The new name could not be saved'));
}

/** Deletes a sweep from the list and from storage; Undo (undoDelete) puts it back. */
export async function removeSweep(id: string): Promise<void> {
  const entry = useSweepList.getState().entries.find((e) => e.id === id);
  if (!entry) return;
  const wasShown = useLab.getState().sweep.id === id;
  if (wasShown && active()) return;
  const sweep = await loadSweep(id).catch(() => undefined);
  useSweepList.setState((s) => ({
    entries: s.entries.filter((e) => e.id !== id),
    overlay: s.overlay?.id === id ? null : s.overlay,
    deleted: { summary: entry, sweep, wasShown },
  }));
  if (wasShown) useLab.getState().clearResults();
  await deleteSweep(id).catch(failed('The sweep could not be deleted'));
}

export async function undoDelete(): Promise<void> {
  const deleted = useSweepList.getState().deleted;
  if (!deleted) return;
  useSweepList.setState({ deleted: null });
  if (!deleted.sweep) return;
  upsert(deleted.summary);
  await saveSweep(deleted.summary, deleted.sweep).catch(failed('The sweep could not be restored'));
  if (deleted.wasShown && !active()) await openSweep(deleted.summary.id);
}

export function dismissUndo(): void {
  useSweepList.setState({ deleted: null });
}
