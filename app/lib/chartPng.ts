/**
 * Saving what the page shows as files: a Blob download, and the transfer charts (recharts SVGs
 * plus their HTML headings and legends) drawn into one PNG.
 */

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
