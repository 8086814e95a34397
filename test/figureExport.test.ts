/** The exported figure's pure parts: caption (app/lib/figureCaption.ts), wrapping and nesting. */
import { describe, expect, it } from 'vitest';
import { coordCaption, figureCaption, presetOf } from '../app/lib/figureCaption';
import { nested, wrapText } from '../app/lib/figureExport';
import { preset } from '../src/sweep/config';

describe('figureCaption', () => {
  it('states the preset, parametrizations, widths, grid, steps, seeds and metric in one line', () => {
    const c = preset('tiny');
    expect(presetOf(c)).toBe('tiny');
    const caption = figureCaption(c);
    expect(caption).not.toContain('\n');
    for (const part of [
      'Tiny preset',
      'SP and µP',
      'widths 16, 32, 64 (base 16)',
      'learning rate 2^-9 to 2^-3, 7 values',
      '16 steps, batch 4, constant schedule',
      'seeds 0, 1',
      'synthetic corpus',
      'final training loss',
    ]) {
      expect(caption).toContain(part);
    }
  });

  it('says "custom sweep" once a setting differs from every preset', () => {
    const c = { ...preset('quick'), train: { ...preset('quick').train, seeds: [0, 1, 2] } };
    expect(presetOf(preset('quick'))).toBe('quick');
    expect(presetOf(c)).toBeUndefined();
    expect(figureCaption(c)).toMatch(/^custom sweep · .*seeds 0, 1, 2/);
  });
});

describe('coordCaption', () => {
  it("states the check's own widths, steps, optimizer, learning rate, seed and data", () => {
    const c = preset('tiny');
    const caption = coordCaption(c, {
      axis: 'width',
      scaled: [16, 32, 64, 128],
      steps: 4,
      seed: 0,
    });
    expect(caption).not.toContain('\n');
    for (const part of [
      'Coordinate check',
      'SP and µP',
      'widths 16, 32, 64, 128 (base 16), depth 1',
      `4 steps of AdamW at learning rate ${c.hp.lr}, batch ${c.train.batch}, seed 0`,
      'synthetic corpus',
    ])
      expect(caption).toContain(part);
    const depth = coordCaption(
      { ...c, axis: 'depth', depths: [1, 2, 4], baseDepth: 1 },
      { axis: 'depth', scaled: [1, 2, 4], steps: 4, seed: 1 },
    );
    expect(depth).toContain('depths 1, 2, 4 (base 1), width 16');
  });
});

describe('wrapText', () => {
  it('keeps every word, in order, within the width estimate', () => {
    const text = 'under µP the optima of all widths sit on top of each other within 0.3 octaves';
    const lines = wrapText(text, 120, 12);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join(' ')).toBe(text);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(Math.floor(120 / (12 * 0.56)));
  });
});

describe('nested', () => {
  it('places a chart SVG and drops the CSS size that would override its attributes', () => {
    const out = nested(
      '<svg class="recharts-surface" width="400" height="300" style="width: 100%; height: 100%;;fill:none"><g/></svg>',
      16,
      42,
    );
    expect(out).toMatch(/^<svg x="16" y="42" class="recharts-surface" width="400" height="300"/);
    expect(out).not.toMatch(/style="[^"]*width/);
    expect(out).toContain('fill:none');
  });
});
