/**
 * A test hook (only with ?test-hooks in the URL): injects the messages of a fast GPU that
 * finishes `runsPerSecond` runs a second, through the same path as the worker's messages, so
 * that the UI benchmark (scripts/bench-ui.mjs) can measure the page under that load on any
 * machine. Nothing reaches the real worker or the GPU.
 */
import { preset, runCount, type SweepConfig } from '../src/sweep/config';
import { runId, type RunRecord, type RunSpec } from '../src/sweep/types';
import type { FromWorker } from './worker/protocol';
import { useLab } from './store';

/** A grid big enough for a long flood: 2 parametrizations × 5 widths × 31 LRs × 40 seeds. */
function floodConfig(): SweepConfig {
  const c = preset('tiny');
  return {
    ...c,
    widths: [16, 32, 64, 128, 256],
    sweep: { name: 'lr', log2Min: -14, log2Max: 1, log2Step: 0.5 },
    train: { ...c.train, seeds: Array.from({ length: 40 }, (_, i) => i) },
  };
}

function* specs(c: SweepConfig): Generator<RunSpec> {
  for (const seed of c.train.seeds)
    for (const parametrization of c.parametrizations)
      for (const width of c.widths)
        for (let log2Hp = c.sweep.log2Min; log2Hp <= c.sweep.log2Max; log2Hp += c.sweep.log2Step) {
          const spec = { parametrization, width, depth: c.model.depth, seed, log2Hp };
          yield { ...spec, id: runId(spec) };
        }
}

/** A loss curve with its optimum near log2 -6 (drifting with width under SP), seeded noise. */
function record(spec: RunSpec, steps: number): RunRecord {
  const drift = spec.parametrization === 'sp' ? Math.log2(spec.width / 16) : 0;
  const opt = -6 - drift;
  const noise = Math.sin(spec.seed * 12.9898 + spec.log2Hp * 78.233) * 0.02;
  const final = 2 + 0.04 * (spec.log2Hp - opt) ** 2 - 0.1 * Math.log2(spec.width) + noise;
  const diverged = spec.log2Hp > 0;
  const losses = Array.from({ length: steps }, (_, i) => final + (3 - final) * 0.8 ** i);
  return {
    ...spec,
    finalLoss: diverged ? null : final,
    diverged,
    divergedAtStep: diverged ? 3 : null,
    losses: diverged ? losses.slice(0, 3) : losses,
    valLoss: diverged ? null : final + 0.05,
    tokensPerSec: 1e6,
    millis: 1,
  };
}

/**
 * Starts a flood of `runsPerSecond` finished runs a second (with their progress) for `seconds`;
 * resolves when the last message was delivered.
 */
export function flood(
  deliver: (message: FromWorker) => void,
  runsPerSecond = 1000,
  seconds = 5,
): Promise<void> {
  const config = floodConfig();
  const steps = config.train.steps;
  useLab.getState().sweepStarted(config, runCount(config), 20);
  const all = specs(config);
  const tickMs = 10;
  const perTick = Math.max(1, Math.round((runsPerSecond * tickMs) / 1000));
  const end = performance.now() + seconds * 1000;
  let due = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Catch up when the page was busy: as many runs as the clock says are due.
      while (due <= now && now < end) {
        const batch: RunSpec[] = [];
        for (let i = 0; i < perTick; i++) {
          const next = all.next();
          if (next.done) break;
          batch.push(next.value);
        }
        if (batch.length === 0) break;
        deliver({ type: 'runs-start', runs: batch });
        deliver({
          type: 'progress',
          progress: batch.map((r) => ({ id: r.id, step: steps, loss: 2.5 })),
        });
        for (const r of batch)
          deliver({ type: 'run-done', record: record(r, steps), part: 'grid' });
        deliver({ type: 'throughput', tokensPerSec: 1e6 });
        sent += batch.length;
        due += tickMs;
      }
      if (now >= end || sent >= runCount(config)) {
        deliver({ type: 'sweep-finished', outcome: 'completed', part: 'grid' });
        resolve();
      } else setTimeout(tick, tickMs);
    };
    tick();
  });
}
