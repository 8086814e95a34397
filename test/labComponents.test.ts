/**
 * Pure helpers of the transfer / coordinate-check / export components (app/components), and a
 * server render of each component (react-dom/server: no DOM needed) as a smoke test.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  CoordCheckPanel,
  coordChartRows,
  coordWidthsHint,
  logAxis,
} from '../app/components/CoordCheckPanel';
import { ExportImport } from '../app/components/ExportImport';
import {
  formatRange,
  formatValue,
  tensorGroups,
  TransferTable,
} from '../app/components/TransferTable';
import {
  MAX_TARGET_WIDTH,
  nearestStop,
  stopForKey,
  widthStops,
  WidthSlider,
} from '../app/components/WidthSlider';
import { DEFAULT_HYPERPARAMS, type MupHyperparams } from '../src/mup/rules';
import { widthStep, type GptShape } from '../src/mup/shapes';
import { transfer } from '../src/mup/transfer';
import type { CoordRecord } from '../src/analysis/coordVerdict';
import type { Parametrization } from '../src/mup/parametrizations';

const hp: MupHyperparams = { ...DEFAULT_HYPERPARAMS, lr: 2 ** -8, weightDecay: 0.1 };
const base: GptShape = {
  width: 32,
  depth: 2,
  heads: 4,
  context: 32,
  vocab: 96,
  mlpRatio: 4,
  tiedReadout: false,
  biases: true,
};

describe('WidthSlider helpers', () => {
  it('stops at valid widths on a log scale, including the ends and the marks', () => {
    const stops = widthStops(32, MAX_TARGET_WIDTH, 4, [32, 48, 64, 102]);
    expect(stops[0]).toBe(32);
    expect(stops[stops.length - 1]).toBe(16384);
    expect(stops).toContain(48);
    expect(stops).not.toContain(102); // not a multiple of 4
    for (const s of stops) expect(s % 4).toBe(0);
    expect(stops).toEqual([...new Set(stops)].sort((a, b) => a - b));
    // About four stops per octave.
    expect(stops.length).toBeGreaterThan(4 * 9 - 2);
    expect(stops.length).toBeLessThan(4 * 9 + 6);
  });

  it('rounds min up and max down to multiples of the step (head size 48)', () => {
    const stops = widthStops(100, 1000, 48);
    expect(stops[0]).toBe(144);
    expect(stops[stops.length - 1]).toBe(960);
    for (const s of stops) expect(s % 48).toBe(0);
  });

  it('snaps to the nearest stop in log space', () => {
    const stops = [32, 40, 48, 56, 64];
    expect(nearestStop(stops, 33)).toBe(32);
    expect(nearestStop(stops, 43)).toBe(40); // log-nearer to 40 than to 48
    expect(nearestStop(stops, 44)).toBe(48);
    expect(nearestStop(stops, 1e9)).toBe(64);
  });

  it('moves by one stop per arrow key, one octave per page key', () => {
    const stops = widthStops(32, 16384, 4);
    expect(stopForKey(stops, 32, 'ArrowRight')).toBe(40);
    expect(stopForKey(stops, 40, 'ArrowLeft')).toBe(32);
    expect(stopForKey(stops, 32, 'ArrowLeft')).toBe(32);
    expect(stopForKey(stops, 64, 'PageUp')).toBe(128);
    expect(stopForKey(stops, 128, 'PageDown')).toBe(64);
    expect(stopForKey(stops, 500, 'Home')).toBe(32);
    expect(stopForKey(stops, 500, 'End')).toBe(16384);
    expect(stopForKey(stops, 42, 'ArrowUp')).toBe(48); // off-grid values move to a neighbour
    expect(stopForKey(stops, 32, 'a')).toBeUndefined();
  });

  it('derives the step from heads, head size and MLP ratio', () => {
    expect(widthStep({ heads: 4, mlpRatio: 4 })).toBe(4);
    expect(widthStep({ headSize: 32 })).toBe(32);
    expect(widthStep({ heads: 3, mlpRatio: 1.5 })).toBe(6);
  });
});

describe('TransferTable helpers', () => {
  it('formats with 3 significant digits, exponents for small values', () => {
    expect(formatValue(0)).toBe('0');
    expect(formatValue(0.00390625)).toBe('0.00391');
    expect(formatValue(1)).toBe('1');
    expect(formatValue(0.0625)).toBe('0.0625');
    expect(formatValue(1e-8)).toBe('1.00e-8');
    expect(formatValue(3.125e-10)).toBe('3.13e-10');
    expect(formatValue(123456)).toBe('1.23e5');
    expect(formatValue(512)).toBe('512');
    expect(formatRange({ min: 1, max: 2 })).toBe('1 – 2');
  });

  it('groups tensors per kind at width 16384 (transfer works far beyond trained widths)', () => {
    const target = { ...base, width: 16384 };
    for (const p of ['sp', 'mup'] as const) {
      const r = transfer(hp, p, base, target);
      const groups = tensorGroups(r);
      expect(groups.map((g) => g.key)).toEqual([
        'tok_emb',
        'pos_emb',
        'qkv',
        'attn_out',
        'mlp_in',
        'mlp_out',
        'gains',
        'biases',
        'readout',
      ]);
      const qkv = groups.find((g) => g.key === 'qkv');
      expect(qkv?.members).toEqual(['blocks.0.attn.qkv', 'blocks.1.attn.qkv']);
      expect(qkv?.shape).toEqual([16384, 3 * 16384]);
      expect(qkv?.widthMult).toEqual({ min: 512, max: 512 });
      expect(qkv?.lr.min).toBeCloseTo(p === 'mup' ? hp.lr / 512 : hp.lr, 15);
      expect(qkv?.eps.min).toBeCloseTo(p === 'mup' ? hp.eps / 512 : hp.eps, 20);
      expect(qkv?.initStd.min).toBeCloseTo(0.02 / Math.sqrt(512), 15);
      const readout = groups.find((g) => g.key === 'readout');
      expect(readout?.initStd.min).toBeCloseTo(p === 'mup' ? 0.02 : 0.02 / Math.sqrt(512), 15);
      expect(r.multipliers.readoutMult).toBe(p === 'mup' ? 1 / 512 : 1);
    }
  });

  it('names each group’s update under Muon: the hidden matrices’ scale, AdamW for the rest', () => {
    const target = { ...base, width: 4 * base.width };
    const update = (p: Parametrization) =>
      Object.fromEntries(
        tensorGroups(transfer({ ...hp, optimizer: 'muon' }, p, base, target)).map((g) => [
          g.key,
          g.update,
        ]),
      );
    const d = target.width;
    // µP-Muon: √(fan_out/fan_in), width-free; SP-Muon: 0.2·√max(fan_in, fan_out).
    expect(update('mup')).toMatchObject({
      qkv: 'Muon ×1',
      mlp_in: 'Muon ×2',
      mlp_out: 'Muon ×0.5',
    });
    expect(update('sp')).toMatchObject({
      qkv: `Muon ×${formatValue(0.2 * Math.sqrt(d))}`,
      mlp_in: `Muon ×${formatValue(0.2 * Math.sqrt(4 * d))}`,
      tok_emb: 'AdamW',
      gains: 'AdamW',
      readout: 'AdamW',
    });
    expect(tensorGroups(transfer(hp, 'mup', base, target))[0].update).toBeUndefined();
  });

  it('shows a range when members differ (depth scaling: in-block gains vs ln_f)', () => {
    const r = transfer({ ...hp, depthAlpha: 0.5 }, 'mup', base, { ...base, depth: 8 });
    const gains = tensorGroups(r).find((g) => g.key === 'gains');
    expect(gains?.lr.min).toBeCloseTo(hp.lr * 4 ** -0.5, 15);
    expect(gains?.lr.max).toBe(hp.lr);
  });
});

describe('CoordCheckPanel helpers', () => {
  it('rounds a log axis out to decades, with 2 and 5 ticks over a short span', () => {
    expect(logAxis([0.1, 0.6])).toEqual({ domain: [0.1, 1], ticks: [0.1, 0.2, 0.5, 1] });
    expect(logAxis([0.15, 80])).toEqual({
      domain: [0.1, 100],
      ticks: [0.1, 1, 10, 100],
    });
    expect(logAxis([1e-9, 1e9]).ticks).toEqual([1e-9, 1e-6, 1e-3, 1, 1e3, 1e6, 1e9]);
    expect(logAxis([3, 3]).domain).toEqual([1, 10]);
    expect(logAxis([0, NaN]).domain).toEqual([0.1, 10]);
  });

  it('builds one chart row per width with a column per layer', () => {
    const recs: CoordRecord[] = [32, 64].flatMap((width) => [
      { parametrization: 'sp' as const, width, step: 2, layer: 'embedding' as const, meanAbs: 1 },
      {
        parametrization: 'sp' as const,
        width,
        step: 2,
        layer: 'readoutLogits' as const,
        meanAbs: width / 32,
      },
      { parametrization: 'mup' as const, width, step: 2, layer: 'embedding' as const, meanAbs: 5 },
    ]);
    expect(coordChartRows(recs, 'sp', 2)).toEqual([
      { width: 32, embedding: 1, readoutLogits: 1 },
      { width: 64, embedding: 1, readoutLogits: 2 },
    ]);
  });
});

describe('coordinate check width list', () => {
  it("hints at the sweep's widths only while the form is valid", () => {
    expect(coordWidthsHint([16, 32, 64], true)).toBe('16, 32, 64');
    expect(coordWidthsHint([16, NaN], false)).toBeUndefined();
  });
});

describe('server render', () => {
  it('WidthSlider: labelled range on log2(width) with the width as value text', () => {
    const html = renderToStaticMarkup(
      createElement(WidthSlider, {
        min: 32,
        value: 256,
        onChange: () => {},
        step: 4,
        marks: [32, 64, 128],
        baseWidth: 32,
      }),
    );
    expect(html).toContain('Target width</label>');
    expect(html).toContain('type="range"');
    expect(html).toContain('value="8"');
    expect(html).toContain('min="5"');
    expect(html).toContain('max="14"');
    expect(html).toContain('aria-valuetext="width 256, 8× the base width 32"');
  });

  it('TransferTable: SP and µP side by side, and an alert for an invalid width', () => {
    const html = renderToStaticMarkup(
      createElement(TransferTable, {
        hp,
        parametrization: 'both',
        base,
        target: { ...base, width: 16384 },
      }),
    );
    expect(html).toContain('aria-label="Transferred hyperparameters"');
    expect(html).toContain('>SP</th>');
    expect(html).toContain('>µP</th>');
    expect(html).toContain('Attention scale');
    expect(html).toContain('>0.00195</span>'); // µP output multiplier 1/512
    expect(html).toContain('>1.95e-11</span>'); // µP hidden ε/m
    expect(html).toContain('head size 4096');
    const bad = renderToStaticMarkup(
      createElement(TransferTable, {
        hp,
        parametrization: 'mup',
        base,
        target: { ...base, width: 30 },
      }),
    );
    expect(bad).toContain('role="alert"');
    expect(bad).toContain('not divisible by 4 heads');
  });

  it('CoordCheckPanel and ExportImport render their controls', () => {
    const coord = renderToStaticMarkup(
      createElement(CoordCheckPanel, { records: [], running: false, onRun: () => {} }),
    );
    expect(coord).toContain('Run coordinate check');
    const ei = renderToStaticMarkup(createElement(ExportImport, { doc: null, onImport: () => {} }));
    for (const label of [
      'Export JSON',
      'Copy PyTorch snippet',
      'Download chart PNG',
      'Download CSV',
      'Import JSON',
    ]) {
      expect(ei).toContain(label);
    }
    expect(ei).toContain('type="file"');
    // Nothing to export yet: the chart downloads wait for a result, like the rest, even where
    // the page hands the panel its (empty) chart container.
    const withChart = renderToStaticMarkup(
      createElement(ExportImport, { doc: null, onImport: () => {}, chartRef: { current: null } }),
    );
    for (const label of ['Download chart PNG', 'Download chart SVG'])
      expect(withChart).toMatch(new RegExp(`<button[^>]*disabled[^>]*>${label}<`));
  });
});
