// @vitest-environment happy-dom
/**
 * The error boundary around the lab: a panel that throws while drawing is replaced by a message
 * with "Reset settings (keep results)", which restores the default settings and keeps the
 * finished runs, after which the panel draws again.
 */
import { act, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, it, vi } from 'vitest';
import { ErrorBoundary } from '../app/components/ErrorBoundary';
import { useLab } from '../app/store';
import { preset } from '../src/sweep/config';
import { runId, type RunRecord } from '../src/sweep/types';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** Throws on the config a bug could not handle (here: a step of 0). */
function Fragile() {
  const step = useLab((s) => s.config.sweep.log2Step);
  if (step === 0) throw new Error('Invalid array length');
  return createElement('p', { id: 'ok' }, `step ${step}`);
}

it('offers Reset settings (keep results) and keeps the runs', async () => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const config = preset('tiny');
  const spec = { parametrization: 'mup' as const, width: 16, depth: 1, seed: 0, log2Hp: -5 };
  const run: RunRecord = {
    ...spec,
    id: runId(spec),
    finalLoss: 2,
    diverged: false,
    divergedAtStep: null,
    losses: [2],
    valLoss: 2,
    tokensPerSec: 1,
    millis: 1,
  };
  useLab.getState().importResults(config, [run], 20, 'a test');
  useLab.getState().editConfig((c) => ({ ...c, sweep: { ...c.sweep, log2Step: 0 } }));
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  await act(async () => root.render(createElement(ErrorBoundary, null, createElement(Fragile))));
  expect(container.textContent).toContain('Invalid array length');
  const reset = [...container.querySelectorAll('button')].find(
    (b) => b.textContent === 'Reset settings (keep results)',
  );
  expect(reset).toBeDefined();
  await act(async () => reset!.click());
  expect(container.querySelector('#ok')?.textContent).toBe('step 1');
  expect(useLab.getState().config).toEqual(preset('tiny'));
  expect(useLab.getState().sweep.records).toEqual([run]);
  act(() => root.unmount());
});
