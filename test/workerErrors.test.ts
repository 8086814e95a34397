/**
 * The GPU worker's one error channel (app/worker/protocol.ts ErrorScope): each scope ends what
 * it is about in the page, and a message the page does not know becomes a notice, not a drop.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { onMessage, trainOneRun } from '../app/gpuClient';
import { useLab } from '../app/store';
import { preset } from '../src/sweep/config';
import type { FromWorker } from '../app/worker/protocol';

function running(): void {
  const s = useLab.getState();
  useLab.setState({
    sweep: { ...s.sweep, status: 'running' },
    horizon: { status: 'running', message: null },
  });
}

describe('worker errors', () => {
  beforeEach(() => useLab.setState({ notice: null }));

  it('a sweep error interrupts the grid, or ends the horizon runs, with its message', () => {
    running();
    onMessage({ type: 'error', scope: { kind: 'sweep', part: 'horizon' }, message: 'no memory' });
    expect(useLab.getState().horizon).toMatchObject({
      status: 'idle',
      message: 'The horizon runs stopped: no memory',
    });
    expect(useLab.getState().sweep.status).toBe('running');
    onMessage({ type: 'error', scope: { kind: 'sweep', part: 'grid' }, message: 'no memory' });
    expect(useLab.getState().sweep).toMatchObject({
      status: 'interrupted',
      message: 'The sweep stopped: no memory',
    });
  });

  it('a task error rejects that request’s promise with the worker’s words', async () => {
    const c = preset('tiny');
    const pending = trainOneRun(c, {
      parametrization: 'mup',
      width: 16,
      depth: 1,
      seed: 0,
      log2Hp: -6,
    });
    // The first request of this module: id 1.
    onMessage({ type: 'error', scope: { kind: 'task', requestId: 1 }, message: 'lost' });
    await expect(pending).rejects.toThrow('lost');
  });

  it('a tune error is shown with the tuning; a worker error as a notice', () => {
    onMessage({ type: 'error', scope: { kind: 'tune' }, message: 'cache ignored' });
    expect(useLab.getState().tuning.message).toBe('cache ignored');
    useLab.setState({ gpu: { state: 'lost', message: 'x' } });
    onMessage({ type: 'error', scope: { kind: 'worker' }, message: 'bad state' });
    expect(useLab.getState().notice).toBe('bad state');
  });

  it('a message of another version is said, not dropped', () => {
    // A worker of a newer build: the type system cannot see it, the page must.
    onMessage({ type: 'from-the-future' } as unknown as FromWorker);
    expect(useLab.getState().notice).toContain('Unknown message from the GPU worker');
  });
});
