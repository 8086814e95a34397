import { useEffect, useState } from 'react';
import * as fmt from '../lib/format';
import { useLab } from '../store';
import type { SweepSummary } from './library';
import {
  dismissUndo,
  loadSettingsOf,
  openSweep,
  overlaySweep,
  removeSweep,
  renameSweep,
  undoDelete,
  useSweepList,
} from './sweepList';
import './sweeps.css';

const STATUS_WORDS: Record<SweepSummary['status'], string> = {
  idle: 'not started',
  running: 'running',
  paused: 'paused',
  completed: 'completed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

/** How long Undo stays offered after a delete. */
const UNDO_MS = 15_000;

function when(ms: number): string {
  return new Date(ms).toLocaleString([], {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** The bytes this site keeps in the browser, when the browser says. */
function useStorageUsage(entries: number): number | undefined {
  const [usage, setUsage] = useState<number>();
  useEffect(() => {
    let live = true;
    navigator.storage
      ?.estimate?.()
      .then((e) => live && setUsage(e.usage))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [entries]);
  return usage;
}

function Entry({ entry, shown, locked }: { entry: SweepSummary; shown: boolean; locked: boolean }) {
  const overlaid = useSweepList((s) => s.overlay?.id === entry.id);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(entry.name);
  const save = () => {
    setEditing(false);
    void renameSweep(entry.id, name);
  };
  return (
    <li
      className={shown ? 'sweep-entry shown' : 'sweep-entry'}
      aria-current={shown ? 'true' : undefined}
      data-testid="sweep-entry"
    >
      <div className="sweep-title">
        {editing ? (
          <form
            className="rename"
            onSubmit={(e) => {
              e.preventDefault();
              save();
            }}
          >
            <input
              aria-label="Sweep name"
              value={name}
              maxLength={120}
              autoFocus
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  setName(entry.name);
                  setEditing(false);
                }
              }}
            />
            <button type="submit">Save name</button>
          </form>
        ) : (
          <strong className="sweep-name">{entry.name}</strong>
        )}
        {shown && <span className="tag">shown</span>}
        {overlaid && <span className="tag overlay">overlaid (dashed)</span>}
        {entry.verifiedWidths && entry.verifiedWidths.length > 0 && (
          <span className="tag verified" data-testid="sweep-verified">
            verified at width {entry.verifiedWidths.join(', ')}
          </span>
        )}
      </div>
      <p className="muted sweep-meta">
        {when(entry.createdAt)} · {entry.source === 'import' ? 'imported · ' : ''}
        <span data-testid="sweep-runs">
          {entry.runs} of {entry.total} runs
        </span>{' '}
        · {STATUS_WORDS[entry.status]}
      </p>
      <p className="muted sweep-summary">{entry.summary}</p>
      <div className="buttons">
        <button
          type="button"
          className="secondary"
          disabled={shown || locked}
          onClick={() => void openSweep(entry.id)}
        >
          Open
        </button>
        <button
          type="button"
          className="secondary"
          aria-pressed={overlaid}
          disabled={shown && !overlaid}
          onClick={() => void overlaySweep(overlaid ? null : entry.id)}
        >
          Overlay
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setName(entry.name);
            setEditing(true);
          }}
        >
          Rename
        </button>
        <button type="button" className="secondary" onClick={() => void loadSettingsOf(entry.id)}>
          Use settings
        </button>
        <button
          type="button"
          className="secondary danger-text"
          disabled={shown && locked}
          onClick={() => void removeSweep(entry.id)}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

/** Every sweep and import kept in this browser: open, overlay, rename, delete (with Undo). */
export function SweepsPanel() {
  const entries = useSweepList((s) => s.entries);
  const loaded = useSweepList((s) => s.loaded);
  const deleted = useSweepList((s) => s.deleted);
  const message = useSweepList((s) => s.message);
  const shownId = useLab((s) => s.sweep.id);
  const locked = useLab(
    (s) =>
      s.sweep.status === 'running' || s.sweep.status === 'paused' || s.horizon.status !== 'idle',
  );
  const usage = useStorageUsage(entries.length);
  const runs = entries.reduce((n, e) => n + e.runs, 0);

  useEffect(() => {
    if (!deleted) return;
    const timer = setTimeout(dismissUndo, UNDO_MS);
    return () => clearTimeout(timer);
  }, [deleted]);

  return (
    <section className="panel sweeps" aria-labelledby="sweeps-title">
      <h2 id="sweeps-title">Sweeps</h2>
      <p className="muted" data-testid="sweeps-count">
        {entries.length === 0
          ? loaded
            ? 'Every sweep you run or import is kept here, in this browser.'
            : 'Reading the kept sweeps…'
          : `${entries.length} sweep${entries.length === 1 ? '' : 's'} and ${fmt.count(runs)} run${runs === 1 ? '' : 's'} kept in this browser${usage !== undefined ? ` (${fmt.bytes(usage)} of storage)` : ''}. Open shows one in the charts; Overlay draws one dashed over the shown sweep.`}
      </p>
      {deleted && (
        <p role="status" className="undo" data-testid="sweeps-undo">
          Deleted “{deleted.summary.name}”.{' '}
          <button type="button" onClick={() => void undoDelete()}>
            Undo
          </button>
        </p>
      )}
      {message && (
        <p role="alert" className="alert">
          {message}
        </p>
      )}
      <ul className="sweep-list" aria-label="Sweeps">
        {entries.map((e) => (
          <Entry key={e.id} entry={e} shown={e.id === shownId} locked={locked} />
        ))}
      </ul>
    </section>
  );
}
