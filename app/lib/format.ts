/** Numbers with sensible precision and units, the same everywhere in the lab. */

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** 1234 -> "1.23 k", 2.5e9 -> "2.50 G" (three significant digits). */
export function si(x: number, unit = ''): string {
  if (!Number.isFinite(x)) return '—';
  const sign = x < 0 ? '−' : '';
  let a = Math.abs(x);
  let i = 0;
  while (a >= 999.5 && i < SI.length - 1) {
    a /= 1000;
    i++;
  }
  const digits = a >= 99.95 ? 0 : a >= 9.995 ? 1 : 2;
  const num = i === 0 && Number.isInteger(a) ? String(a) : a.toFixed(digits);
  const prefix = SI[i];
  const space = unit || prefix ? ' ' : '';
  return `${sign}${num}${space}${prefix}${unit}`;
}

export function flops(x: number): string {
  return si(x, 'FLOP');
}

export function tokensPerSec(x: number): string {
  return `${si(x)} tokens/s`;
}

/** Whole numbers with thousands separators. */
export function count(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}

export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} bytes`;
}

/** Seconds as "45 s", "3 min 20 s", "2 h 05 min". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${(h / 24).toFixed(1)} days`;
}

/** A training loss (nats per token). */
export function loss(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3);
}

/** A log2 value as shown on axes: "−6", "−6.5". */
export function log2(x: number): string {
  const r = Math.round(x * 100) / 100;
  return (r < 0 ? '−' : '') + String(Math.abs(r));
}

/** A hyperparameter value 2^x in readable form: 0.0156, 1.95e-3, 4. */
export function pow2(x: number): string {
  const v = 2 ** x;
  if (v >= 0.01 && v < 1000) return String(Number(v.toPrecision(3)));
  return v.toExponential(2).replace('e-', 'e−');
}
