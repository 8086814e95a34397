/**
 * The journal of finished runs: the GPU worker writes each finished run here before it tells the
 * page, so a run the page shows as finished is already on disk, however soon the page closes.
 * A restore merges the journal into the saved state. The journal holds one sweep's runs: each
 * entry carries the sweep's key (a hash of its config) and which of its runs it is (the grid's,
 * or the horizon runs of a cosine sweep), and a new sweep clears it.
 */
import { clear, createStore, set, values } from 'idb-keyval';
import type { SweepConfig } from '../src/sweep/config';
import type { RunRecord } from '../src/sweep/types';
import type { RunPart } from './worker/protocol';

const journal = () => createStore('mup-lab-journal', 'runs');

interface JournalEntry {
  sweepKey: string;
  record: RunRecord;
  /** Absent in entries written before horizon runs existed: the grid's. */
  part?: RunPart;
}

/** FNV-1a over the config's JSON: the same sweep has the same key in page and worker. */
export function sweepKey(config: SweepConfig): string {
  const text = JSON.stringify(config);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

export function journalRun(key: string, record: RunRecord, part: RunPart): Promise<void> {
  const entry: JournalEntry = { sweepKey: key, record, part };
  return set(record.id, entry, journal());
}

/** The journalled runs of the sweep with this key: its grid's, or its horizon runs. */
export async function journalRecords(key: string, part: RunPart): Promise<RunRecord[]> {
  const entries = (await values(journal())) as JournalEntry[];
  return entries
    .filter((e) => e?.sweepKey === key && e.record && (e.part ?? 'grid') === part)
    .map((e) => e.record);
}

export function clearJournal(): Promise<void> {
  return clear(journal());
}
