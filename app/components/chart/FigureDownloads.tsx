import { useState, type RefObject } from 'react';
import { saveFigure } from '../../lib/figureExport';

/**
 * "Download <what> PNG" and "SVG" for the figures inside `target` (app/lib/figureExport.ts:
 * legend, verdict, metrics and caption as on the page), and a status line saying what was saved.
 */
export function FigureDownloads({
  target,
  what,
  stem,
}: {
  target: RefObject<HTMLElement | null>;
  /** The figure's name in the buttons, e.g. "coordinate check". */
  what: string;
  /** File name stem, e.g. "mup-lab_coord-check". */
  stem: string;
}) {
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (kind: 'png' | 'svg') => {
    const container = target.current;
    if (!container) return;
    setBusy(true);
    try {
      setStatus({ error: false, text: `Saved ${await saveFigure(container, kind, stem)}.` });
    } catch (e) {
      setStatus({ error: true, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="figure-downloads">
      {(['png', 'svg'] as const).map((kind) => (
        <button
          key={kind}
          type="button"
          className="secondary"
          disabled={busy}
          aria-busy={busy}
          onClick={() => void save(kind)}
        >
          Download {what} {kind.toUpperCase()}
        </button>
      ))}
      <span role="status" className={status?.error ? 'export-status warn' : 'export-status muted'}>
        {status?.text ?? ''}
      </span>
    </div>
  );
}
