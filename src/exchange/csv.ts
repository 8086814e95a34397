/**
 * Sweep results as CSV (RFC 4180): one row per run, CRLF line ends, a field quoted when it holds
 * a comma, a quote, a CR or LF, or starts/ends with a space (quotes doubled inside). Empty cells
 * stand for "no value" (a diverged run's losses). Text cells that a spreadsheet would read as a
 * formula (starting with =, +, -, @) get a leading apostrophe.
 */
import type { Parametrization } from '../mup/rules';
import type { SweptHp } from '../sweep/config';

/** What a row needs from a run: RunRecord and the export's ExportedRun both fit. */
export interface CsvRun {
  parametrization: Parametrization | string;
  width: number;
  depth: number;
  seed: number;
  log2Hp: number;
  finalLoss: number | null;
  diverged: boolean;
  valLoss: number | null;
  tokensPerSec: number;
}

export type CsvCell = string | number | boolean | null | undefined;

/** One field, quoted when needed. Non-finite numbers and null/undefined are empty. */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) return `"${s.replace(/"/g, '""')}"`;
  return s;
}

export function csvRow(cells: readonly CsvCell[]): string {
  return cells.map(csvField).join(',');
}

/** Header of runsToCsv, e.g. [..., 'log2_lr', 'lr', ...]. */
export function csvHeader(sweptHp: SweptHp | string): string[] {
  return [
    'parametrization',
    'width',
    'depth',
    'seed',
    `log2_${sweptHp}`,
    sweptHp,
    'final_loss',
    'diverged',
    'val_loss',
    'tokens_per_sec',
  ];
}

/** All runs, sorted by parametrization, width, depth, seed and hp; a trailing CRLF. */
export function runsToCsv(runs: readonly CsvRun[], sweptHp: SweptHp | string): string {
  const sorted = [...runs].sort(
    (a, b) =>
      String(a.parametrization).localeCompare(String(b.parametrization)) ||
      a.width - b.width ||
      a.depth - b.depth ||
      a.seed - b.seed ||
      a.log2Hp - b.log2Hp,
  );
  const lines = [csvRow(csvHeader(sweptHp))];
  for (const r of sorted) {
    const diverged = r.diverged || r.finalLoss === null || !Number.isFinite(r.finalLoss);
    lines.push(
      csvRow([
        r.parametrization,
        r.width,
        r.depth,
        r.seed,
        r.log2Hp,
        2 ** r.log2Hp,
        diverged ? null : r.finalLoss,
        diverged,
        diverged ? null : r.valLoss,
        r.tokensPerSec,
      ]),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** e.g. mup-lab_runs_lr_2026-11-26.csv */
export function csvFileName(sweptHp: SweptHp | string, date: Date = new Date()): string {
  return `mup-lab_runs_${sweptHp}_${date.toISOString().slice(0, 10)}.csv`;
}

/**
 * A small RFC 4180 reader (quoted fields, doubled quotes, CRLF or LF), for tests and for reading
 * back what runsToCsv wrote. Returns rows of raw strings.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
