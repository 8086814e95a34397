/**
 * The transfer figure's scales, framework-free: an ordered sequential colour per width (dark to
 * light, as in Tensor Programs V, Fig. 1) and a y range clipped to the informative region.
 */

/** Viridis (matplotlib's), sampled at t = 0, 0.1, ..., 1. */
const VIRIDIS = [
  [0x44, 0x01, 0x54],
  [0x48, 0x24, 0x75],
  [0x41, 0x44, 0x87],
  [0x35, 0x5f, 0x8d],
  [0x2a, 0x78, 0x8e],
  [0x21, 0x91, 0x8c],
  [0x22, 0xa8, 0x84],
  [0x44, 0xbf, 0x70],
  [0x7a, 0xd1, 0x51],
  [0xbd, 0xdf, 0x26],
  [0xfd, 0xe7, 0x25],
] as const;

/**
 * The lightest part of viridis used: beyond it the colour has less than 3:1 contrast on the
 * white panel (viridis' yellow end is nearly invisible on white).
 */
export const VIRIDIS_MAX_T = 0.58;

/** Viridis at t in [0, 1] as #rrggbb (linear interpolation between the samples). */
export function viridis(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  const hex = [0, 1, 2]
    .map((k) => Math.round(a[k] + (b[k] - a[k]) * f))
    .map((v) => v.toString(16).padStart(2, '0'))
    .join('');
  return `#${hex}`;
}

/** On a dark page the scale starts here instead, for 3:1 contrast on the dark panel. */
export const VIRIDIS_DARK_MIN_T = 0.42;

/**
 * The colour of the index-th of count ordered widths: narrowest darkest, widest lightest. On a
 * light page viridis from 0 to VIRIDIS_MAX_T, on a dark one from VIRIDIS_DARK_MIN_T to 1.
 */
export function sequentialColor(index: number, count: number, dark = false): string {
  const [lo, hi] = dark ? [VIRIDIS_DARK_MIN_T, 1] : [0, VIRIDIS_MAX_T];
  if (count <= 1) return viridis(lo);
  const i = Math.min(count - 1, Math.max(0, index));
  return viridis(lo + ((hi - lo) * i) / (count - 1));
}

/** WCAG relative luminance of #rrggbb. */
export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two #rrggbb colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export interface YRangeInput {
  /** Every drawn seed-mean loss (all parametrizations: they share one range). */
  losses: number[];
  /** The ends of the mean ± sd bands, kept in view when the range is not clipped. */
  extents?: number[];
  /**
   * Robust upper references: the base width's loss at the low edge of its grid in each
   * parametrization (an under-trained model, not a blow-up).
   */
  references?: number[];
}

export interface YRange {
  domain: [number, number];
  ticks: number[];
  scale: 'linear' | 'log';
  /** Some losses lie above the range (drawn at its edge as off-scale). */
  clipped: boolean;
}

/** The q-quantile of values (linear interpolation between order statistics). */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const x = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const i = Math.floor(x);
  return i + 1 < s.length ? s[i] + (s[i + 1] - s[i]) * (x - i) : s[i];
}

/** A round tick step giving about five ticks over `span`. */
function tickStep(span: number): number {
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
}

/** Round ticks of a log axis over [lo, hi]: the 1-1.5-2-3-5-7 sequence, thinned to about six. */
function logTicks(lo: number, hi: number): number[] {
  const all: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 1.5, 2, 3, 4, 5, 7]) {
      const t = Number((m * 10 ** e).toPrecision(6));
      if (t >= lo && t <= hi) all.push(t);
    }
  }
  const every = Math.max(1, Math.ceil(all.length / 6));
  return all.filter((_, i) => i % every === 0);
}

/**
 * The shared y range of the transfer charts. Clipped (the default), it runs from the best loss
 * (less its sd) to a robust upper bound: the highest of the base width's low-edge losses and the
 * losses' upper quartile, so that a blow-up to 2-8 does not flatten the informative curves;
 * losses above it are off-scale. Unclipped, it holds every loss and band. Undefined without
 * any finite loss.
 */
export function yRange(
  input: YRangeInput,
  { clip = true, log = false }: { clip?: boolean; log?: boolean } = {},
): YRange | undefined {
  const finite = (v: number[] = []) => v.filter((x) => Number.isFinite(x) && (!log || x > 0));
  const losses = finite(input.losses);
  if (losses.length === 0) return undefined;
  const extents = finite([...losses, ...(input.extents ?? [])]);
  const max = Math.max(...extents);
  let lo = Math.min(...extents);
  let hi = max;
  if (clip) {
    const bound = Math.max(quantile(losses, 0.75), ...finite(input.references));
    hi = Math.min(max, bound);
    // The best loss stays in view even if its band's lower end is out.
    lo = Math.min(lo, Math.min(...losses));
  }
  const worst = Math.max(...losses);
  if (log) {
    const pad = (Math.log(Math.max(hi, lo * 1.05)) - Math.log(lo)) * 0.06;
    const domain: [number, number] = [lo * Math.exp(-pad), hi * Math.exp(pad)];
    return {
      domain,
      ticks: logTicks(domain[0], domain[1]),
      scale: 'log',
      clipped: worst > domain[1],
    };
  }
  const step = tickStep(Math.max(hi - lo, 0.05) * 1.15);
  const min = Math.max(0, Math.floor((lo - step * 0.25) / step) * step);
  // Headroom for the row of diverged / off-scale markers at the top.
  const top = Math.ceil((hi + step * 0.6) / step) * step;
  const ticks: number[] = [];
  for (let t = min; t <= top + step / 2; t += step) ticks.push(Number(t.toFixed(6)));
  return { domain: [min, top], ticks, scale: 'linear', clipped: worst > top };
}

/** Where a loss lies against a y range: in it, above it (off-scale) or below it. */
export function placeOf(loss: number, domain: [number, number]): 'in' | 'above' | 'below' {
  return loss > domain[1] ? 'above' : loss < domain[0] ? 'below' : 'in';
}
