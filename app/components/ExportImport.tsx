import { useId, useState, type ChangeEvent, type RefObject } from 'react';
import { csvFileName, runsToCsv } from '../../src/sweep/csv';
import {
  exportFileName,
  IMPORT_LIMITS,
  parseImport,
  type TransferExport,
} from '../../src/sweep/export';
import { pytorchSnippet } from '../../src/sweep/pytorch';
import { trainerZip, trainerZipName } from '../lib/pytorchTrainer';
import './exportImport.css';

/** Saves a Blob under `name` through a temporary anchor. */
export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Some browsers start the download after click() returns: revoke a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- Chart → PNG ----------------------------------------------------------------------------

const INLINE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
] as const;

/**
 * A standalone copy of an on-page SVG: computed styles (CSS variables, currentColor, class rules)
 * written inline, since an SVG drawn as an image sees no page CSS.
 */
export function standaloneSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const copies = [clone, ...Array.from(clone.querySelectorAll('*'))];
  originals.forEach((el, i) => {
    const copy = copies[i];
    if (!(copy instanceof Element)) return;
    const cs = getComputedStyle(el);
    const style = INLINE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`)
      .filter((d) => !d.endsWith(':'))
      .join(';');
    copy.setAttribute('style', `${copy.getAttribute('style') ?? ''};${style}`);
  });
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('xmlns:xlink', 'http://www.w3.org/1999/xlink');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  return new XMLSerializer().serializeToString(clone);
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('The chart could not be rendered as an image.'));
    img.src = src;
  });
}

function backgroundOf(el: Element): string {
  for (let e: Element | null = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (bg && bg !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(bg)) return bg;
  }
  return '#ffffff';
}

/** Text drawn into the PNG besides the SVGs: headings, captions, legends, marked elements. */
const PNG_TEXT = 'h2, h3, h4, figcaption, .recharts-legend-item-text, [data-png-text]';

/**
 * The container's charts as one PNG: every <svg> in it (recharts surfaces and legend icons)
 * drawn at its place, plus headings, figure captions, legend labels and elements marked
 * `data-png-text` (one line each: HTML in recharts), on the container's background colour,
 * cropped to what was drawn.
 */
export async function chartPng(container: HTMLElement, scale = 2): Promise<Blob> {
  const visible = (el: Element) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const svgs = Array.from(container.querySelectorAll('svg')).filter(visible);
  if (svgs.length === 0) throw new Error('There is no chart to save yet.');
  const texts = Array.from(container.querySelectorAll(PNG_TEXT)).filter(
    (el) => visible(el) && !svgs.some((s) => s.contains(el)),
  );
  // Crop to the union of what is drawn, with a margin.
  const rects = [...svgs, ...texts].map((el) => el.getBoundingClientRect());
  const pad = 12;
  const left = Math.min(...rects.map((r) => r.left)) - pad;
  const top = Math.min(...rects.map((r) => r.top)) - pad;
  const width = Math.max(...rects.map((r) => r.right)) + pad - left;
  const height = Math.max(...rects.map((r) => r.bottom)) + pad - top;

  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(width * scale);
  canvas.height = Math.ceil(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw to a canvas.');
  ctx.scale(scale, scale);
  ctx.fillStyle = backgroundOf(container);
  ctx.fillRect(0, 0, width, height);
  const images = await Promise.all(
    svgs.map(async (svg) => ({
      rect: svg.getBoundingClientRect(),
      img: await loadImage(
        `data:image/svg+xml;charset=utf-8,${encodeURIComponent(standaloneSvg(svg))}`,
      ),
    })),
  );
  for (const { rect, img } of images) {
    ctx.drawImage(img, rect.left - left, rect.top - top, rect.width, rect.height);
  }
  for (const el of texts) {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    ctx.fillStyle = cs.color;
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    ctx.textBaseline = 'middle';
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    ctx.fillText(text, r.left - left, r.top - top + r.height / 2, r.width + 4);
  }
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('The PNG could not be encoded.'))),
      'image/png',
    ),
  );
}

// ---- Component ------------------------------------------------------------------------------

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

  const downloadTrainer = () => {
    if (!doc) return;
    try {
      downloadBlob(trainerZip(doc), trainerZipName(doc));
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

  const downloadPng = async () => {
    const container = chartRef?.current;
    if (!container) {
      setStatus({ kind: 'error', text: 'There is no chart to save yet.' });
      return;
    }
    setBusy(true);
    try {
      const blob = await chartPng(container);
      const date = new Date().toISOString().slice(0, 10);
      const name = `${chartName ?? 'mup-lab_chart'}_${date}.png`;
      downloadBlob(blob, name);
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
        <button type="button" onClick={downloadTrainer} disabled={none} title={noneTitle}>
          Download PyTorch trainer
        </button>
        <button
          type="button"
          onClick={() => void downloadPng()}
          disabled={!chartRef || busy}
          aria-busy={busy}
        >
          Download chart PNG
        </button>
        <button type="button" onClick={downloadCsv} disabled={none} title={noneTitle}>
          Download CSV
        </button>
        <label className="import-button">
          Import JSON
          <input
            className="ei-visually-hidden"
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
