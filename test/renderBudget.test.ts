// @vitest-environment happy-dom
/**
 * Renders per finished run: the lab's panels mounted with react-dom in happy-dom, each in a
 * React Profiler, while 400 finished runs (with their progress) arrive through the worker
 * client's message path as a fast GPU sends them. The client batches them (FLUSH_MS), so each
 * panel commits at most once per flush (the deferred charts twice), however many runs finish in it (the analysis runs in
 * place here, as it would in its worker, once per flush).
 */
import { act, createElement, Profiler, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAnalysis } from '../app/analysisClient';
import { FLUSH_MS, onMessage } from '../app/gpuClient';
import { useLab } from '../app/store';
import { InFlightRuns } from '../app/components/run/InFlightRuns';
import { RunControls } from '../app/components/run/RunControls';
import { SweepProgress } from '../app/components/run/SweepProgress';
import { TransferCharts } from '../app/components/chart/TransferCharts';
import { RunsView } from '../app/components/chart/RunsView';
import { TargetWidthPanel } from '../app/components/transfer/TargetWidthPanel';
import { ExportPanel } from '../app/components/transfer/ExportPanel';
import { HorizonCharts } from '../app/components/chart/HorizonCharts';
import { preset, runCount } from '../src/sweep/config';
import { runId, type RunRecord } from '../src/sweep/types';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const RUNS = 400;
const PER_FLUSH = 50;

function record(i: number): RunRecord {
  const spec = {
    parametrization: i % 2 === 0 ? ('sp' as const) : ('mup' as const),
    width: 16,
    depth: 1,
    seed: i,
    log2Hp: -8 + (i % 7),
  };
  const loss = 2 + 0.01 * (i % 7);
  return {
    ...spec,
    id: runId(spec),
    finalLoss: loss,
    diverged: false,
    divergedAtStep: null,
    losses: [3, loss],
    valLoss: loss,
    tokensPerSec: 1e6,
    millis: 1,
  };
}

describe('renders per finished run', () => {
  const commits = new Map<string, number>();
  let container: HTMLElement;
  beforeAll(() => vi.useFakeTimers());
  afterAll(() => vi.useRealTimers());

  it(`stays at one commit per panel per flush while ${RUNS} runs finish`, async () => {
    const c = preset('tiny');
    const config = {
      ...c,
      train: { ...c.train, seeds: Array.from({ length: RUNS }, (_, i) => i) },
    };
    useLab.getState().sweepStarted(config, runCount(config), 20);
    // The analysis in place (no Worker here): the charts redraw with each analysed batch.
    const stopAnalysis = startAnalysis(false);
    const panel = (id: string, node: ReactNode) =>
      createElement(
        Profiler,
        { id, key: id, onRender: () => commits.set(id, (commits.get(id) ?? 0) + 1) },
        node,
      );
    container = document.createElement('div');
    document.body.append(container);
    const root = createRoot(container);
    await act(async () => {
      root.render(
        createElement('div', null, [
          panel('RunControls', createElement(RunControls, { errors: [] })),
          panel('SweepProgress', createElement(SweepProgress, {})),
          panel('InFlightRuns', createElement(InFlightRuns, {})),
          panel('TransferCharts', createElement(TransferCharts, {})),
          panel('RunsView', createElement(RunsView, {})),
          panel('TargetWidthPanel', createElement(TargetWidthPanel, {})),
          panel('ExportPanel', createElement(ExportPanel, { chartRef: { current: null } })),
          panel('HorizonCharts', createElement(HorizonCharts, {})),
        ]),
      );
    });
    const before = new Map(commits);
    let flushes = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = record(i);
      await act(async () => {
        onMessage({ type: 'runs-start', runs: [r] });
        onMessage({ type: 'progress', progress: [{ id: r.id, step: 1, loss: 2.5 }] });
        onMessage({ type: 'run-done', record: r, part: 'grid' });
        onMessage({ type: 'throughput', tokensPerSec: 1e6 });
      });
      if ((i + 1) % PER_FLUSH === 0) {
        await act(async () => {
          vi.advanceTimersByTime(FLUSH_MS);
        });
        flushes++;
      }
    }
    expect(useLab.getState().sweep.records).toHaveLength(RUNS);
    const perPanel = [...commits].map(([id, n]) => [id, n - (before.get(id) ?? 0)] as const);
    console.log(
      `${RUNS} runs in ${flushes} flushes; commits per panel:`,
      Object.fromEntries(perPanel),
    );
    // The transfer charts and the Runs view draw as a deferred update (useDeferredValue, so
    // that input goes first): a cheap commit with the old drawing, then the new one.
    const deferred = new Set(['TransferCharts', 'RunsView']);
    const budget = (id: string) => (deferred.has(id) ? 2 : 1) * flushes;
    for (const [id, n] of perPanel) expect(n, id).toBeLessThanOrEqual(budget(id));
    const total = perPanel.reduce((a, [, n]) => a + n, 0);
    // Eight panels, about one commit each per flush: well under one render per finished run.
    expect(total).toBeLessThanOrEqual(10 * flushes);
    expect(total / RUNS).toBeLessThanOrEqual(0.25);
    act(() => root.unmount());
    stopAnalysis();
  });
});
