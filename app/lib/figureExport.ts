/**
 * One SVG document built for export from the figures on the page: each figure's chart (its
 * recharts SVG, styles inlined) under its own title, with its legend, notes, verdict and metrics
 * (drift ± sd, penalty) as SVG text below it, and the figure's one-line caption at the bottom.
 * The PNG is this document rasterized (Image + canvas), so both files show the same thing.
 */
import { downloadBlob, standaloneSvg } from './chartPng';

export interface FigureDocument {
  svg: string;
  /** CSS pixels (integers): the PNG is `scale` times this. */
  width: number;
  height: number;
}

/** A figure's plot: a recharts chart, or an SVG the lab draws itself (the Runs view). */
const PLOT = 'svg.recharts-surface, svg[data-figure-plot]';

const FONT = 12;
const LINE = 17;
const GAP = 28;
const PAD = 16;

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function textOf(el: Element | null): string {
  return (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** Greedy word wrap to about `width` pixels at `size` (a width estimate: no layout engine). */
export function wrapText(text: string, width: number, size = FONT): string[] {
  const max = Math.max(12, Math.floor(width / (size * 0.56)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter(Boolean)) {
    if (line && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

interface Block {
  /** Lines of text, or a legend entry (a colour swatch, solid or dashed, before the text). */
  lines: string[];
  size?: number;
  weight?: 'bold' | 'normal';
  muted?: boolean;
  swatch?: { color: string; dashed: boolean };
}

/** A legend entry: its colour swatch, when it has one, and its text. */
function legendBlock(li: Element, width: number): Block {
  const swatch = li.querySelector('.swatch');
  if (!swatch) return { lines: wrapText(textOf(li), width) };
  const color = getComputedStyle(swatch).backgroundColor;
  return { lines: wrapText(textOf(li), width - 26), swatch: { color, dashed: false } };
}

/** The blocks under one figure's chart, from its legend and notes as the page shows them. */
function blocksOf(figure: Element, width: number): Block[] {
  const blocks: Block[] = [];
  for (const li of figure.querySelectorAll(':scope > ul.legend > li'))
    blocks.push(legendBlock(li, width));
  const overlay = figure.querySelector(':scope > .overlay-legend');
  if (overlay) {
    blocks.push({
      lines: wrapText(textOf(overlay), width - 26),
      muted: true,
      swatch: { color: 'currentColor', dashed: true },
    });
  }
  for (const [selector, muted] of [
    [':scope > .scale-note', true],
    [':scope > .verdict', false],
    [':scope > .metrics', true],
  ] as const) {
    const el = figure.querySelector(selector);
    if (el) blocks.push({ lines: wrapText(textOf(el), width), muted });
  }
  return blocks;
}

function blockHeight(b: Block): number {
  return b.lines.length * LINE;
}

function blockSvg(b: Block, x: number, y: number, text: string, muted: string): string {
  const indent = b.swatch ? 26 : 0;
  const fill = b.muted ? muted : text;
  const swatch = b.swatch
    ? `<line x1="${x}" x2="${x + 18}" y1="${y + LINE / 2}" y2="${y + LINE / 2}" stroke="${b.swatch.color === 'currentColor' ? muted : b.swatch.color}" stroke-width="3"${b.swatch.dashed ? ' stroke-dasharray="6 4"' : ''}/>`
    : '';
  const lines = b.lines
    .map(
      (l, i) =>
        `<text x="${x + indent}" y="${y + i * LINE + LINE / 2}" dominant-baseline="middle" font-size="${b.size ?? FONT}" font-weight="${b.weight ?? 'normal'}" fill="${fill}">${escapeXml(l)}</text>`,
    )
    .join('');
  return swatch + lines;
}

/**
 * Notes about all the figures of a container (the coordinate check's verdict, the Runs view's
 * legend), marked `data-figure-note`: one block per list item, or one for the element.
 */
function notesOf(container: HTMLElement, width: number): Block[] {
  return Array.from(container.querySelectorAll('[data-figure-note]')).flatMap((el) => {
    if (el.matches('ul.legend'))
      return Array.from(el.querySelectorAll(':scope > li')).map((li) => legendBlock(li, width));
    const items = el.matches('ul, ol') ? Array.from(el.querySelectorAll(':scope > li')) : [el];
    return items.map((item) => ({ lines: wrapText(textOf(item), width) }));
  });
}

/**
 * The export document of the figures in `container` (its <figure> elements, side by side as on
 * the page), its notes (`data-figure-note`) and its caption (`data-figure-caption`).
 */
export function figureDocument(container: HTMLElement): FigureDocument {
  const figures = Array.from(container.querySelectorAll('figure')).filter((f) =>
    f.querySelector(PLOT),
  );
  if (figures.length === 0) throw new Error('There is no chart to save yet.');
  const cs = getComputedStyle(container);
  const text = cs.color || '#1c1e21';
  const muted =
    getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#5f6670';
  const background = backgroundOf(container);
  const font = cs.fontFamily || 'sans-serif';

  const panels = figures.map((figure) => {
    const chart = figure.querySelector(PLOT) as SVGSVGElement;
    const rect = chart.getBoundingClientRect();
    const width = Math.ceil(rect.width);
    const height = Math.ceil(rect.height);
    const title = textOf(figure.querySelector('figcaption h3, h3'));
    const blocks = blocksOf(figure, width);
    const below = blocks.reduce((h, b) => h + blockHeight(b) + 4, 0);
    return { chart, width, height, title, blocks, total: 26 + height + 8 + below };
  });
  const contentWidth = panels.reduce((w, p) => w + p.width, 0) + GAP * (panels.length - 1);
  const notes = notesOf(container, contentWidth);
  const notesHeight = notes.reduce((h, b) => h + blockHeight(b) + 4, 0);
  const caption = textOf(container.querySelector('[data-figure-caption]'));
  const captionLines = caption ? wrapText(caption, contentWidth) : [];
  const panelsHeight = Math.max(...panels.map((p) => p.total));
  const width = Math.ceil(contentWidth + 2 * PAD);
  const height = Math.ceil(
    PAD +
      panelsHeight +
      notesHeight +
      (captionLines.length ? 8 + captionLines.length * LINE : 0) +
      PAD,
  );

  const parts: string[] = [];
  let x = PAD;
  for (const p of panels) {
    parts.push(
      `<text class="figure-title" x="${x + p.width / 2}" y="${PAD + 10}" text-anchor="middle" dominant-baseline="middle" font-size="15" font-weight="bold" fill="${text}">${escapeXml(p.title)}</text>`,
    );
    // The chart as a nested <svg> placed under its title.
    parts.push(nested(standaloneSvg(p.chart), x, PAD + 26));
    let y = PAD + 26 + p.height + 8;
    for (const b of p.blocks) {
      parts.push(blockSvg(b, x, y, text, muted));
      y += blockHeight(b) + 4;
    }
    x += p.width + GAP;
  }
  let y = PAD + panelsHeight;
  for (const b of notes) {
    parts.push(blockSvg(b, PAD, y, text, muted));
    y += blockHeight(b) + 4;
  }
  if (captionLines.length) {
    parts.push(
      blockSvg({ lines: captionLines, muted: true }, PAD, y + 8, text, muted).replace(
        /<text /g,
        '<text class="figure-caption" ',
      ),
    );
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(font)}">` +
    `<rect width="100%" height="100%" fill="${background}"/>` +
    parts.join('') +
    '</svg>';
  return { svg, width, height };
}

/**
 * A standalone chart SVG placed at (x, y) inside the document: a CSS width or height on its root
 * (recharts sets 100%) would override its size attributes there, so they are dropped.
 */
export function nested(svg: string, x: number, y: number): string {
  return svg.replace(/^<svg\b([^>]*)>/, (_, attrs: string) => {
    const cleaned = attrs.replace(/style="([^"]*)"/, (_m, style: string) => {
      const kept = style
        .split(';')
        .filter((d) => !/^\s*(max-|min-)?(width|height)\s*:/.test(d))
        .join(';');
      return `style="${kept}"`;
    });
    return `<svg x="${x}" y="${y}"${cleaned}>`;
  });
}

function backgroundOf(el: Element): string {
  for (let e: Element | null = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (bg && bg !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(bg)) return bg;
  }
  return '#ffffff';
}

/** The export document rasterized: `scale` × its size in pixels. */
export async function figurePng(doc: FigureDocument, scale = 2): Promise<Blob> {
  const img = await new Promise<HTMLImageElement>((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('The chart could not be rendered as an image.'));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(doc.svg)}`;
  });
  const canvas = document.createElement('canvas');
  canvas.width = doc.width * scale;
  canvas.height = doc.height * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw to a canvas.');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('The PNG could not be encoded.'))),
      'image/png',
    ),
  );
}

/**
 * Saves the figures in `container` as one file (the SVG document, or its PNG) named
 * `<stem>_<date>.<kind>`; returns the name. Every figure of the page is saved through here.
 */
export async function saveFigure(
  container: HTMLElement,
  kind: 'png' | 'svg',
  stem: string,
  date = new Date(),
): Promise<string> {
  const figure = figureDocument(container);
  const blob =
    kind === 'svg' ? new Blob([figure.svg], { type: 'image/svg+xml' }) : await figurePng(figure);
  const name = `${stem}_${date.toISOString().slice(0, 10)}.${kind}`;
  downloadBlob(blob, name);
  return name;
}
