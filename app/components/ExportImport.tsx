import { useId, useState, type ChangeEvent, type RefObject } from 'react';
import { csvFileName, runsToCsv } from '../../src/exchange/csv';
import { exportFileName } from '../../src/exchange/export';
import { pytorchSnippet } from '../../src/exchange/pytorch';
import { parseImport } from '../../src/exchange/exportParse';
import type { TransferExport } from '../../src/exchange/exportSchema';
import { IMPORT_LIMITS } from '../../src/sweep/schemaParts';
import { downloadBlob } from '../lib/chartPng';
import { saveFigure } from '../lib/figureExport';
import { trainerZip, trainerZipName } from '../lib/pytorchTrainer';
import './exportImport.css';

export interface ExportImportProps {
  /** The export of the current results; null while there is nothing to export. */
  doc: TransferExport | null;
  /** The element holding the chart(s) that "Download chart PNG" saves. */
  chartRef?: RefObject<HTMLElement | null>;
  /** File name stem of the PNG (default "mup-lab_chart"). */
  chartName?: string;
  /** A valid imported document. Not called when the file is rejected. */
  onImport: (doc: TransferExport) => void;
}

type Status = { kind: 'ok' | 'error'; text: string } | null;

/**
 * Export JSON, PyTorch snippet, chart PNG and CSV; import a JSON export. Props only: whoever
 * renders it decides what an import does.
 */
export function ExportImport({ doc, chartRef, chartName, onImport }: ExportImportProps) {
  const snippetId = useId();
  const [importError, setImportError] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const [fallback, setFallback] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const none = doc === null;
  const noneTitle = none ? 'Run a sweep (or import a file) first' : undefined;

  const exportJson = () => {
    if (!doc) return;
    const blob = new Blob([JSON.stringify(doc, null, 2) + '\n'], { type: 'application/json' });
    downloadBlob(blob, exportFileName(doc));
    setStatus({ kind: 'ok', text: `Saved ${exportFileName(doc)}.` });
  };

  const copySnippet = async () => {
    if (!doc) return;
    const text = pytorchSnippet(doc);
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      setFallback(null);
      setStatus({ kind: 'ok', text: 'PyTorch snippet copied to the clipboard.' });
    } catch {
      setFallback(text);
      setStatus({
        kind: 'error',
        text: 'The clipboard is not available here: select the snippet below and copy it.',
      });
    }
  };

  const downloadTrainer = async () => {
    if (!doc) return;
    try {
      downloadBlob(await trainerZip(doc), trainerZipName(doc));
      setStatus({
        kind: 'ok',
        text: `Saved ${trainerZipName(doc)}: unzip it and run train.sh (README.txt has the commands).`,
      });
    } catch (e) {
      setStatus({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    }
  };

  const downloadCsv = () => {
    if (!doc) return;
    const csv = runsToCsv(doc.evidence.runs, doc.evidence.grid.hp);
    const name = csvFileName(doc.evidence.grid.hp, new Date(doc.environment.date));
    downloadBlob(new Blob([csv], { type: 'text/csv' }), name);
    setStatus({ kind: 'ok', text: `Saved ${name} (${doc.evidence.runs.length} runs).` });
  };

  /** The chart as a figure: one SVG document (legend, verdict, metrics, caption), or its PNG. */
  const downloadFigure = async (kind: 'png' | 'svg') => {
    const container = chartRef?.current;
    if (!container) {
      setStatus({ kind: 'error', text: 'There is no chart to save yet.' });
      return;
    }
    setBusy(true);
    try {
      const name = await saveFigure(container, kind, chartName ?? 'mup-lab_chart');
      setStatus({ kind: 'ok', text: `Saved ${name}.` });
    } catch (e) {
      setStatus({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  const importFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    try {
      // A character is at least one byte: anything larger cannot pass parseImport's limit.
      if (file.size > IMPORT_LIMITS.chars * 4) {
        setImportError(
          `${file.name}: the file is too large (${(file.size / 2 ** 20).toFixed(0)} MB).`,
        );
        return;
      }
      const result = parseImport(await file.text());
      if (!result.ok) {
        setImportError(`${file.name}: ${result.message}`);
        return;
      }
      setImportError(null);
      setStatus({ kind: 'ok', text: `Imported ${file.name}.` });
      onImport(result.doc);
    } catch (err) {
      setImportError(
        `${file.name}: could not be read (${err instanceof Error ? err.message : String(err)}).`,
      );
    } finally {
      // The same file can be chosen again after fixing it.
      input.value = '';
    }
  };

  return (
    <section className="export-import" aria-label="Export and import">
      <div className="export-buttons">
        <button type="button" onClick={exportJson} disabled={none} title={noneTitle}>
          Export JSON
        </button>
        <button type="button" onClick={() => void copySnippet()} disabled={none} title={noneTitle}>
          Copy PyTorch snippet
        </button>
        <button
          type="button"
          onClick={() => void downloadTrainer()}
          disabled={none}
          title={noneTitle}
        >
          Download PyTorch trainer
        </button>
        <button
          type="button"
          onClick={() => void downloadFigure('png')}
          disabled={none || !chartRef || busy}
          title={noneTitle}
          aria-busy={busy}
        >
          Download chart PNG
        </button>
        <button
          type="button"
          onClick={() => void downloadFigure('svg')}
          disabled={none || !chartRef || busy}
          title={noneTitle}
          aria-busy={busy}
        >
          Download chart SVG
        </button>
        <button type="button" onClick={downloadCsv} disabled={none} title={noneTitle}>
          Download CSV
        </button>
        <label className="import-button">
          Import JSON
          <input
            className="visually-hidden"
            type="file"
            accept=".json,application/json"
            onChange={(e) => void importFile(e)}
          />
        </label>
      </div>
      {importError && (
        <p role="alert" className="import-error">
          {importError}
        </p>
      )}
      <p
        role="status"
        className={status?.kind === 'error' ? 'export-status warn' : 'export-status'}
      >
        {status?.text ?? ''}
      </p>
      {fallback !== null && (
        <div className="snippet-fallback">
          <label htmlFor={snippetId}>PyTorch snippet</label>
          <textarea
            id={snippetId}
            readOnly
            rows={16}
            value={fallback}
            onFocus={(e) => e.currentTarget.select()}
            autoFocus
          />
          <button type="button" onClick={() => setFallback(null)}>
            Hide snippet
          </button>
        </div>
      )}
    </section>
  );
}
