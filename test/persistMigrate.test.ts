/** The saved state's schema migrations (app/persist.ts): version 0 (no `schema`) → 1 → 2. */
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, migrateSaved, parseSaved } from '../app/persist';
import { preset } from '../src/sweep/config';

function v1(): Record<string, unknown> {
  const config = preset('tiny');
  return {
    schema: 1,
    savedAt: 1,
    config,
    presetName: 'tiny',
    textFile: null,
    measured: null,
    sweep: {
      status: 'interrupted',
      config,
      total: 16,
      vocab: 40,
      records: [
        {
          id: 'sp:w16:d1:s0:h-10',
          parametrization: 'sp',
          width: 16,
          depth: 1,
          seed: 0,
          log2Hp: -10,
          finalLoss: 3,
          diverged: false,
          divergedAtStep: null,
          losses: [3],
          valLoss: 3.1,
          tokensPerSec: 1000,
          millis: 10,
        },
      ],
      targetRuns: [],
      message: null,
    },
  };
}

/** A state as the lab saves it now. */
function v2(): Record<string, unknown> {
  return migrateSaved(v1()) as Record<string, unknown>;
}

describe('migrateSaved', () => {
  it('brings an unversioned (version 0) value to the current schema', () => {
    expect(SCHEMA_VERSION).toBe(2);
    const { schema, ...unversioned } = v1();
    expect(schema).toBe(1);
    expect(parseSaved(unversioned)).toBeUndefined();
    const migrated = parseSaved(migrateSaved(unversioned));
    expect(migrated?.schema).toBe(2);
    expect(migrated?.sweep.records).toHaveLength(1);
    expect(parseSaved(migrateSaved({ ...unversioned, schema: 0 }))?.schema).toBe(2);
  });

  it('gives a version 1 sweep no id (the Sweeps list adds it) and drops the old FLOP/s figure', () => {
    const old = { ...v1(), measured: { adapter: 'x', flopsPerSec: 1e9 } };
    expect(parseSaved(old)).toBeUndefined();
    const migrated = parseSaved(migrateSaved(old));
    expect(migrated?.schema).toBe(2);
    expect(migrated?.sweep.id).toBeNull();
    expect(migrated?.sweep.records).toEqual((v1().sweep as { records: unknown[] }).records);
    expect(migrated?.measured).toBeNull();
    // A version 2 state keeps its id and its step rates.
    const rates = [{ flopsPerStep: 1e9, secondsPerStep: 0.1, source: 'sweep' }];
    const current = {
      ...v2(),
      measured: { adapter: 'x', rates },
      sweep: { ...(v2().sweep as object), id: 'abc' },
    };
    expect(parseSaved(migrateSaved(current))?.sweep.id).toBe('abc');
    expect(parseSaved(migrateSaved(current))?.measured?.rates).toEqual(rates);
  });

  it('leaves current values alone and refuses unknown versions and garbage', () => {
    const current = v2();
    expect(migrateSaved(current)).toBe(current);
    expect(parseSaved(migrateSaved({ ...current, schema: 3 }))).toBeUndefined();
    for (const junk of [null, 3, 'x', [], {}, { schema: 0 }]) {
      expect(parseSaved(migrateSaved(junk))).toBeUndefined();
    }
  });
});

describe('parseSaved', () => {
  it('restores a half-typed form config, and refuses a malformed run record', () => {
    const saved = v2();
    const config = structuredClone(preset('tiny'));
    config.train.steps = NaN; // the form holds what the user typed; its errors show after restore
    expect(parseSaved({ ...saved, config })?.config.train.steps).toBeNaN();
    const sweep = saved.sweep as { records: Array<Record<string, unknown>> };
    const broken = { ...sweep, records: [{ ...sweep.records[0], diverged: 'no' }] };
    expect(parseSaved({ ...saved, sweep: broken })).toBeUndefined();
  });

  it('reads a state saved before horizon runs existed as one without any, and keeps them', () => {
    const saved = v2();
    expect(parseSaved(saved)?.sweep.horizonRuns).toEqual([]);
    const sweep = saved.sweep as { records: Array<Record<string, unknown>> };
    const horizonRun = { ...sweep.records[0], id: 'sp:w16:d1:s0:h-10:t3', steps: 3 };
    const withRuns = { ...saved, sweep: { ...sweep, horizonRuns: [horizonRun] } };
    expect(parseSaved(withRuns)?.sweep.horizonRuns).toEqual([horizonRun]);
    const badSteps = { ...saved, sweep: { ...sweep, horizonRuns: [{ ...horizonRun, steps: 0 }] } };
    expect(parseSaved(badSteps)).toBeUndefined();
  });
});
