/** The transfer figure's colour scale and y range (app/lib/figureScale.ts). */
import { describe, expect, it } from 'vitest';
import {
  contrast,
  luminance,
  placeOf,
  quantile,
  sequentialColor,
  viridis,
  yRange,
} from '../app/lib/figureScale';

describe('sequentialColor', () => {
  it('is viridis at its ends and ordered dark to light by width', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    for (const n of [2, 3, 5, 8]) {
      const lum = Array.from({ length: n }, (_, i) => luminance(sequentialColor(i, n)));
      for (let i = 1; i < n; i++) expect(lum[i]).toBeGreaterThan(lum[i - 1]);
    }
  });

  it('keeps at least 3:1 contrast on the white panel and distinct neighbours', () => {
    for (const n of [1, 2, 4, 8]) {
      const colors = Array.from({ length: n }, (_, i) => sequentialColor(i, n));
      for (const c of colors) expect(contrast(c, '#ffffff')).toBeGreaterThanOrEqual(3);
      expect(new Set(colors).size).toBe(n);
      // The dark page's scale: still ordered, and 3:1 on the dark panel (styles.css --panel).
      const dark = Array.from({ length: n }, (_, i) => sequentialColor(i, n, true));
      for (const c of dark) expect(contrast(c, '#1e2127')).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < n; i++)
        expect(luminance(dark[i])).toBeGreaterThan(luminance(dark[i - 1]));
    }
  });
});

describe('yRange', () => {
  // A µP-like bowl around 1.5 and SP blow-ups to 2-8 at the high learning rates.
  const bowl = [2.4, 1.9, 1.6, 1.5, 1.55, 1.7, 2.0];
  const blowUps = [4.2, 6.5, 8.1];

  it('clips blow-ups by default: the best loss and the base low edge stay in view', () => {
    const r = yRange({
      losses: [...bowl, ...bowl.map((l) => l - 0.05), ...blowUps],
      references: [2.4],
    });
    expect(r).toBeDefined();
    if (!r) return;
    expect(r.scale).toBe('linear');
    expect(r.clipped).toBe(true);
    expect(r.domain[0]).toBeLessThanOrEqual(1.45);
    expect(r.domain[1]).toBeGreaterThanOrEqual(2.4);
    expect(r.domain[1]).toBeLessThan(4.2);
    expect(placeOf(8.1, r.domain)).toBe('above');
    expect(placeOf(1.5, r.domain)).toBe('in');
    // Round ticks covering the domain, increasing.
    expect(r.ticks[0]).toBe(r.domain[0]);
    expect(r.ticks[r.ticks.length - 1]).toBeCloseTo(r.domain[1], 6);
  });

  it('holds every loss and band when not clipped', () => {
    const r = yRange({ losses: [...bowl, ...blowUps], extents: [1.3, 8.6] }, { clip: false });
    expect(r?.clipped).toBe(false);
    expect(r?.domain[0]).toBeLessThanOrEqual(1.3);
    expect(r?.domain[1]).toBeGreaterThanOrEqual(8.6);
  });

  it('does not clip when nothing is far off', () => {
    const r = yRange({ losses: bowl, references: [2.4] });
    expect(r?.clipped).toBe(false);
    expect(r?.domain[1]).toBeGreaterThanOrEqual(2.4);
  });

  it('gives a positive log range with round ticks inside it', () => {
    const r = yRange({ losses: [...bowl, ...blowUps], references: [2.4] }, { log: true });
    expect(r?.scale).toBe('log');
    if (!r) return;
    expect(r.domain[0]).toBeGreaterThan(0);
    expect(r.domain[0]).toBeLessThan(1.5);
    expect(r.clipped).toBe(true);
    expect(r.ticks.length).toBeGreaterThanOrEqual(2);
    for (const t of r.ticks) {
      expect(t).toBeGreaterThanOrEqual(r.domain[0]);
      expect(t).toBeLessThanOrEqual(r.domain[1]);
    }
  });

  it('is undefined without a finite loss and ignores NaN and infinities', () => {
    expect(yRange({ losses: [] })).toBeUndefined();
    expect(yRange({ losses: [NaN, Infinity] })).toBeUndefined();
    expect(yRange({ losses: [1, NaN, 2] })?.domain[1]).toBeGreaterThanOrEqual(2);
  });

  it('quantile interpolates between order statistics', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.75)).toBe(4);
  });
});
