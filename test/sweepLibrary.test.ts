/**
 * The Sweeps list (app/sweeps): its IndexedDB storage, on fake-indexeddb (the same idb-keyval
 * calls the page makes), and the list's actions on the lab store: a sweep or an import adds an
 * entry, open, rename, delete with Undo, overlay, and a state saved before the list migrates in.
 */
import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { clear } from 'idb-keyval';
import { preset, runCount, type SweepConfig } from '../src/sweep/config';
import type { RunRecord } from '../src/sweep/types';
import { IDLE, useLab } from '../app/store';
import {
  configSummary,
  deleteSweep,
  libraryStores,
  listSweeps,
  loadSweep,
  saveSweep,
  summaryOf,
} from '../app/sweeps/library';
import {
  loadSettingsOf,
  nameNextEntry,
  openSweep,
  overlaySweep,
  removeSweep,
  renameSweep,
  startSweepList,
  undoDelete,
  useSweepList,
} from '../app/sweeps/sweepList';

/** The Tiny preset with explicit widths and seeds, whatever the preset becomes. */
function tinyConfig(): SweepConfig {
  const c = preset('tiny');
  return { ...c, widths: [16, 32], train: { ...c.train, seeds: [0] } };
}

function record(config: SweepConfig, i: number, width = config.widths[0]): RunRecord {
  const log2Hp = config.sweep.log2Min + (i % 7);
  return {
    id: `mup:w${width}:d1:s0:h${log2Hp}:${i}`,
    parametrization: 'mup',
    width,
    depth: 1,
    seed: 0,
    log2Hp,
    finalLoss: 3 - i / 100,
    diverged: false,
    divergedAtStep: null,
    losses: [4, 3],
    valLoss: 3.1,
    tokensPerSec: 1000,
    millis: 10,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
let stop: (() => void) | undefined;

beforeEach(async () => {
  stop?.();
  stop = undefined;
  await settle(); // writes the last test started
  const s = libraryStores();
  await clear(s.summaries);
  await clear(s.sweeps);
  useLab.setState({ sweep: IDLE, config: preset('tiny'), presetName: 'tiny' });
  useSweepList.setState({
    loaded: false,
    entries: [],
    overlay: null,
    deleted: null,
    message: null,
  });
});

describe('library storage', () => {
  it('lists summaries newest first without reading runs, and loads runs by id', async () => {
    const config = tinyConfig();
    for (let k = 0; k < 3; k++) {
      const sweep = {
        id: `s${k}`,
        status: 'completed' as const,
        config,
        total: runCount(config),
        vocab: 40,
        records: Array.from({ length: 5 + k }, (_, i) => record(config, i)),
        targetRuns: [],
        horizonRuns: [],
        message: null,
      };
      await saveSweep(summaryOf(sweep, { name: `n${k}`, createdAt: k, source: 'run' }), sweep);
    }
    const list = await listSweeps();
    expect(list.map((e) => [e.id, e.runs])).toEqual([
      ['s2', 7],
      ['s1', 6],
      ['s0', 5],
    ]);
    // A summary is small and holds no runs.
    expect(Object.keys(list[0])).not.toContain('records');
    expect(list[0].summary).toBe(configSummary(config));
    expect(configSummary(config)).toMatch(
      /^SP \+ µP · widths 16, 32 · \d+ learning rates · seed 0 · /,
    );
    expect((await loadSweep('s1'))?.records).toHaveLength(6);
    await deleteSweep('s1');
    expect((await listSweeps()).map((e) => e.id)).toEqual(['s2', 's0']);
    expect(await loadSweep('s1')).toBeUndefined();
  });
});

describe('the Sweeps list', () => {
  it('makes a saved sweep from before the list (no id) an entry, and keeps the next sweeps apart', async () => {
    const config = tinyConfig();
    const old = Array.from({ length: 104 }, (_, i) => record(config, i));
    // What a schema-1 restore leaves: a sweep with runs and no id.
    useLab.setState({
      sweep: { ...IDLE, status: 'completed', config, total: 104, vocab: 40, records: old },
    });
    stop = await startSweepList(0);
    const first = useSweepList.getState().entries;
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ source: 'saved', runs: 104, name: 'Saved sweep' });
    expect(useLab.getState().sweep.id).toBe(first[0].id);

    // Run sweep: a new entry, the old one untouched.
    useLab.getState().sweepStarted(config, runCount(config), 40);
    const newId = useLab.getState().sweep.id;
    expect(newId).not.toBe(first[0].id);
    useLab.getState().runDone(record(config, 0));
    await settle();
    let entries = await listSweeps();
    expect(entries.map((e) => [e.name, e.runs])).toEqual([
      ['Tiny sweep', 1],
      ['Saved sweep', 104],
    ]);

    // Import: another entry, named after the file; the form keeps its settings.
    useLab.getState().sweepFinished('completed');
    useLab.getState().editConfig((c) => ({ ...c, train: { ...c.train, steps: 17 } }));
    nameNextEntry('Import: export of 2026-01-01', 'import');
    const imported = { ...config, widths: [16, 64] };
    useLab.getState().importResults(imported, [record(imported, 0, 64)], 40, 'x.json');
    await settle();
    entries = await listSweeps();
    expect(entries.map((e) => e.source)).toEqual(['import', 'run', 'saved']);
    expect(useLab.getState().config.train.steps).toBe(17);

    // Open the oldest: the charts show its 104 runs; the form is still the user's.
    await openSweep(first[0].id);
    expect(useLab.getState().sweep.id).toBe(first[0].id);
    expect(useLab.getState().sweep.records).toHaveLength(104);
    expect(useLab.getState().config.train.steps).toBe(17);
    // "Use settings" loads a kept sweep's config into the form.
    await loadSettingsOf(entries[0].id);
    expect(useLab.getState().config.widths).toEqual([16, 64]);

    // Overlay the import over it.
    await overlaySweep(entries[0].id);
    expect(useSweepList.getState().overlay).toMatchObject({ name: 'Import: export of 2026-01-01' });
    expect(useSweepList.getState().overlay?.records).toHaveLength(1);

    // Rename is kept in storage.
    await renameSweep(first[0].id, '  Baseline  ');
    expect((await listSweeps()).find((e) => e.id === first[0].id)?.name).toBe('Baseline');

    // Delete the shown sweep: gone from the list, storage and charts; Undo brings it all back.
    await removeSweep(first[0].id);
    expect((await listSweeps()).map((e) => e.id)).not.toContain(first[0].id);
    expect(useLab.getState().sweep.id).toBeNull();
    await undoDelete();
    expect((await listSweeps()).find((e) => e.id === first[0].id)?.name).toBe('Baseline');
    expect(useLab.getState().sweep.records).toHaveLength(104);
    expect((await loadSweep(first[0].id))?.records).toHaveLength(104);
  });

  it('does not open or delete another sweep while one runs', async () => {
    const config = tinyConfig();
    stop = await startSweepList(0);
    useLab.getState().sweepStarted(config, runCount(config), 40);
    const running = useLab.getState().sweep.id!;
    await settle();
    await removeSweep(running);
    expect((await listSweeps()).map((e) => e.id)).toEqual([running]);
  });
});
