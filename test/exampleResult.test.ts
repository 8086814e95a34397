/**
 * public/example-result.json, the page's built-in example (scripts/make-example.mjs writes it
 * from a real CLI sweep): a valid export (parseImport), of the current Tiny preset, complete, and
 * every derived number in it (optima, drift, penalty, tuned value, per-tensor values) re-derived
 * from its own runs by buildExport.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { preset, runCount, type SweepConfig } from '../src/sweep/config';
import { buildExport, exportedConfig } from '../src/exchange/export';
import { parseImport } from '../src/exchange/exportParse';
import { runRecordSchema } from '../src/sweep/types';

const FILE = new URL('../public/example-result.json', import.meta.url);
const REMAKE = 'run `node scripts/make-example.mjs` to remake it';

describe('the built-in example result', () => {
  const parsed = parseImport(readFileSync(FILE, 'utf8'));

  it('is a valid export of a finished sweep of the current Tiny preset', () => {
    if (!parsed.ok) throw new Error(`${parsed.message}; ${REMAKE}`);
    const doc = parsed.doc;
    const tiny = preset('tiny');
    expect(doc.evidence.config, `not the current Tiny preset; ${REMAKE}`).toEqual(
      exportedConfig(tiny),
    );
    expect(doc.evidence.runs).toHaveLength(runCount(tiny));
    expect(new Set(doc.evidence.runs.map((r) => r.id)).size).toBe(runCount(tiny));
  });

  it('re-derives: its analysis and tuned values follow from its runs', () => {
    if (!parsed.ok) throw new Error(parsed.message);
    const doc = parsed.doc;
    const config = { ...doc.evidence.config, data: preset('tiny').data } as SweepConfig;
    const rebuilt = buildExport({
      config,
      records: doc.evidence.runs.map((r) => runRecordSchema.parse(r)),
      vocab: doc.base.vocab,
      targetWidth: doc.target.shape.width,
      targetDepth: doc.target.shape.depth,
      parametrization: doc.parametrization,
      environment: {
        adapter: doc.environment.adapter,
        labVersion: doc.environment.labVersion,
        date: new Date(doc.environment.date),
      },
    });
    expect(rebuilt).toEqual(doc);
    // What the example is there to show: every optimum inside the grid.
    for (const a of doc.evidence.optima) {
      for (const o of a.optima) expect(o.atEdge, `${a.parametrization} ${o.width}`).toBe(false);
    }
  });
});
