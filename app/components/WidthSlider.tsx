import { useId, useMemo, type KeyboardEvent } from 'react';
import './exportImport.css';

/** The widest target the slider offers (far beyond what the lab trains: transfer only). */
export const MAX_TARGET_WIDTH = 16384;

/**
 * The widths the slider stops at: per octave 2^k·{1, 1.25, 1.5, 1.75} rounded to a multiple of
 * `step`, plus `min`, `max` and the marks (trained widths), ascending and distinct. `min` is
 * rounded up and `max` down to multiples of `step`.
 */
export function widthStops(
  min: number,
  max: number,
  step: number,
  marks: readonly number[] = [],
): number[] {
  const unit = Math.max(1, Math.round(step));
  const lo = Math.max(unit, Math.ceil(min / unit) * unit);
  const hi = Math.max(lo, Math.floor(max / unit) * unit);
  const stops = new Set<number>([lo, hi]);
  for (let k = Math.floor(Math.log2(lo)); 2 ** k <= hi; k++) {
    for (const f of [1, 1.25, 1.5, 1.75]) {
      const w = Math.max(unit, Math.round((2 ** k * f) / unit) * unit);
      if (w >= lo && w <= hi) stops.add(w);
    }
  }
  for (const m of marks) if (m >= lo && m <= hi && m % unit === 0) stops.add(m);
  return [...stops].sort((a, b) => a - b);
}

/** The stop closest to `width` in log space (ties: the smaller). */
export function nearestStop(stops: readonly number[], width: number): number {
  let best = stops[0];
  for (const s of stops) {
    if (Math.abs(Math.log2(s / width)) < Math.abs(Math.log2(best / width)) - 1e-12) best = s;
  }
  return best;
}

/** Where a key takes the slider from `value`; undefined for keys the slider does not handle. */
export function stopForKey(
  stops: readonly number[],
  value: number,
  key: string,
): number | undefined {
  const last = stops.length - 1;
  const above = stops.findIndex((s) => s > value);
  const next = above < 0 ? stops[last] : stops[above];
  const belowIdx = stops.findLastIndex((s) => s < value);
  const prev = belowIdx < 0 ? stops[0] : stops[belowIdx];
  switch (key) {
    case 'ArrowRight':
    case 'ArrowUp':
      return next;
    case 'ArrowLeft':
    case 'ArrowDown':
      return prev;
    case 'PageUp':
      return stops.find((s) => s >= 2 * value) ?? stops[last];
    case 'PageDown':
      return stops.findLast((s) => s <= value / 2) ?? stops[0];
    case 'Home':
      return stops[0];
    case 'End':
      return stops[last];
    default:
      return undefined;
  }
}

export interface WidthSliderProps {
  /** Smallest width offered: the smallest trained width. */
  min: number;
  /** Largest width offered (default 16384). */
  max?: number;
  /** Current target width. */
  value: number;
  onChange: (width: number) => void;
  /**
   * Valid widths are multiples of this: the head count (fixed heads) or the head size (fixed
   * head size); widthStep(model) (src/mup/shapes.ts) also keeps mlpRatio · width an integer.
   */
  step: number;
  /** Widths to mark on the track and always stop at (the trained widths). */
  marks?: readonly number[];
  /** The base width, to show the multiplier m = width / base. */
  baseWidth?: number;
  disabled?: boolean;
}

/**
 * "Target width": a native range input whose position is log2(width), snapping to valid widths.
 * Arrow keys move one stop, Page Up/Down one octave, Home/End to the ends.
 */
export function WidthSlider({
  min,
  max = MAX_TARGET_WIDTH,
  value,
  onChange,
  step,
  marks = [],
  baseWidth,
  disabled,
}: WidthSliderProps) {
  const id = useId();
  const listId = `${id}-marks`;
  const stops = useMemo(() => widthStops(min, max, step, marks), [min, max, step, marks]);
  const lo = stops[0];
  const hi = stops[stops.length - 1];
  const trained = marks.includes(value);
  const valueText =
    `width ${value}` +
    (baseWidth ? `, ${formatMult(value / baseWidth)}× the base width ${baseWidth}` : '') +
    (trained ? ', trained' : '');

  const change = (width: number) => {
    if (width !== value) onChange(width);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const target = stopForKey(stops, value, e.key);
    if (target === undefined) return;
    e.preventDefault();
    change(target);
  };

  return (
    <div className="width-slider">
      <label htmlFor={id}>Target width</label>
      <input
        id={id}
        type="range"
        min={Math.log2(lo)}
        max={Math.log2(hi)}
        step="any"
        value={Math.log2(Math.min(hi, Math.max(lo, value)))}
        aria-valuetext={valueText}
        list={marks.length > 0 ? listId : undefined}
        disabled={disabled}
        onChange={(e) => change(nearestStop(stops, 2 ** Number(e.currentTarget.value)))}
        onKeyDown={onKeyDown}
      />
      <output htmlFor={id} className="width-slider-value">
        {value}
        {baseWidth ? <span className="muted"> (×{formatMult(value / baseWidth)})</span> : null}
        {trained ? <span className="muted"> trained</span> : null}
      </output>
      {marks.length > 0 && (
        <datalist id={listId}>
          {marks.map((m) => (
            <option key={m} value={Math.log2(m)} label={String(m)} />
          ))}
        </datalist>
      )}
      <span className="width-slider-range muted">
        {lo} – {hi}, multiples of {Math.max(1, Math.round(step))}
      </span>
    </div>
  );
}

function formatMult(m: number): string {
  return Number.isInteger(m) ? String(m) : m >= 1 ? m.toFixed(2) : m.toPrecision(2);
}
