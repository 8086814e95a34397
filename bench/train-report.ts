/**
 * The training benchmark's console report (Node: the run in Dawn, and the browser run's driver,
 * which prints the page's results): the rows as they come, then the per-op breakdown, the
 * per-step accounting, the loss checks and the goals.
 */
import { fmt, Table } from './table';
import type { Breakdown } from './train-engines';
import { BATCH, CONTEXT, GOAL_RATIO, GOAL_RATIO_JAX } from './train-engines';
import type { LossCheck, TrainDoc, TrainRow, WidthResult } from './train-round';

export function rowTable(log: (s?: string) => void): Table {
  const table = new Table(
    [
      { title: 'width', width: 5, right: true },
      { title: 'K', width: 2, right: true },
      { title: 'ours ms/step', width: 12, right: true },
      { title: 'GPU ms', width: 8, right: true },
      { title: 'ours tok/s', width: 10, right: true },
      { title: 'separate', width: 9, right: true },
      { title: 'stack x', width: 7, right: true },
      { title: 'tfjs ms/step', width: 12, right: true },
      { title: 'tfjs tok/s', width: 10, right: true },
      { title: 'ratio', width: 6, right: true },
      { title: 'fastest', width: 7, right: true },
      { title: 'jax ms/step', width: 11, right: true },
      { title: 'jax tok/s', width: 9, right: true },
      { title: 'ratioJax', width: 8, right: true },
      { title: 'fastest', width: 7, right: true },
      { title: 'dispatches ours/tfjs', width: 20 },
    ],
    log,
  );
  log(
    `\ntokens/s = K x ${BATCH} x ${CONTEXT} / step time; separate = K runs one after another ` +
      `(the K = 1 rate); ratio = ours / TF.js of the medians (goal >= ${GOAL_RATIO}), ratioJax = ` +
      `ours / jax-js (goal >= ${GOAL_RATIO_JAX}), fastest: of the fastest steps`,
  );
  table.header();
  return table;
}

export function printRow(table: Table, row: TrainRow): void {
  table.row([
    String(row.width),
    String(row.stack),
    fmt(row.ours.msPerStep),
    fmt(row.ours.gpuMsPerStep),
    fmt(row.ours.tokensPerSec),
    fmt(row.separate.tokensPerSec),
    fmt(row.stackSpeedup),
    fmt(row.tfjs?.msPerStep),
    fmt(row.tfjs?.tokensPerSec),
    fmt(row.ratio),
    fmt(row.ratioOfFastest),
    fmt(row.jaxjs?.msPerStep),
    fmt(row.jaxjs?.tokensPerSec),
    fmt(row.ratioJax),
    fmt(row.ratioJaxOfFastest),
    `${row.ours.dispatchesPerStep} / ${row.tfjs?.dispatchesPerStep ?? '-'}`,
  ]);
}

export function printBreakdowns(
  breakdowns: readonly Breakdown[],
  method: string,
  log: (s?: string) => void,
): void {
  if (!breakdowns.length) return;
  const timer = { method };
  log(`\nours, K = 1: GPU time per op kind, each op timed alone (${timer.method})`);
  const kinds = [...new Set(breakdowns.flatMap((b) => b.kinds.map((k) => k.kind)))];
  const bt = new Table([
    { title: 'op kind', width: 20 },
    ...breakdowns.map((b) => ({ title: `d=${b.width} ms`, width: 9, right: true })),
    ...breakdowns.map((b) => ({ title: `d=${b.width} %`, width: 7, right: true })),
  ]);
  bt.header();
  const cell = (b: Breakdown, kind: string) => b.kinds.find((k) => k.kind === kind);
  for (const kind of kinds) {
    bt.row([
      kind,
      ...breakdowns.map((b) => fmt(cell(b, kind)?.ms)),
      ...breakdowns.map((b) => fmt((cell(b, kind)?.share ?? NaN) * 100, 2)),
    ]);
  }
  bt.row(['sum of ops', ...breakdowns.map((b) => fmt(b.totalMs))]);
  bt.row(['step (wall, median)', ...breakdowns.map((b) => fmt(b.stepMs))]);
}

/** Dispatches, bound bytes (upper bound) against the model's minimum, and FLOPs, per width and K. */
export function printAccounting(
  accounting: WidthResult['accounting'],
  log: (s?: string) => void,
): void {
  if (!accounting.length) return;
  log(
    '\nper step: bound bytes (read-only as read, read_write as read + written: an upper bound) ' +
      'against the minimum (each tensor once forward, twice backward, AdamW 7 passes)',
  );
  const t = new Table(
    [
      { title: 'width', width: 5, right: true },
      { title: 'K', width: 2, right: true },
      { title: 'dispatches', width: 10, right: true },
      { title: 'read MB', width: 8, right: true },
      { title: 'written MB', width: 10, right: true },
      { title: 'minimum MB', width: 10, right: true },
      { title: 'x minimum', width: 9, right: true },
      { title: 'GFLOP', width: 7, right: true },
      { title: 'FLOP/byte', width: 9, right: true },
    ],
    log,
  );
  t.header();
  for (const a of accounting) {
    t.row([
      String(a.width),
      String(a.stack),
      String(a.dispatches),
      fmt(a.boundBytesRead / 1e6),
      fmt(a.boundBytesWritten / 1e6),
      fmt(a.minimum.bytes / 1e6),
      fmt(a.trafficOverMinimum),
      fmt(a.flops.total / 1e9),
      fmt(a.flopsPerByte),
    ]);
  }
}

export function printChecks(
  rows: readonly TrainRow[],
  lossChecks: readonly LossCheck[],
  log: (s?: string) => void,
): void {
  if (lossChecks.length) {
    log('\nsame model check (same init and batches): max relative loss difference vs ours');
    for (const c of lossChecks) {
      log(
        `  width ${c.width}: TF.js ${fmt(c.maxRelDiff, 2)} over ${Math.min(c.ours.length, c.tfjs.length)} steps, ` +
          `jax-js ${fmt(c.jaxMaxRelDiff, 2)} over ${Math.min(c.ours.length, c.jaxjs.length)} ` +
          `(first loss ours ${fmt(c.ours[0], 6)}, TF.js ${fmt(c.tfjs[0], 6)}, jax-js ${fmt(c.jaxjs[0], 6)}); ` +
          `stacked run 0 vs K = 1: ${fmt(c.stackedRun0MaxRelDiff, 2)}`,
      );
    }
  }
  const goalLine = (
    peer: string,
    goal: number,
    ratio: (r: TrainRow) => number | null,
    fastest: (r: TrainRow) => number | null,
  ) => {
    const withRatio = rows.filter((r) => ratio(r) !== null && r.stack === 1);
    if (!withRatio.length) return;
    log(
      `goal ours >= ${goal} x ${peer} tokens/s (one run each): ` +
        withRatio
          .map(
            (r) =>
              `width ${r.width} ${fmt(ratio(r))}x ${ratio(r)! >= goal ? 'met' : 'SHORT'}` +
              ` (fastest steps ${fmt(fastest(r))}x)`,
          )
          .join(', '),
    );
  };
  log();
  goalLine(
    'TF.js',
    GOAL_RATIO,
    (r) => r.ratio,
    (r) => r.ratioOfFastest,
  );
  goalLine(
    'jax-js',
    GOAL_RATIO_JAX,
    (r) => r.ratioJax,
    (r) => r.ratioJaxOfFastest,
  );
}

/** jax-js's last timed step per width: device calls and where the wall time went. */
export function printJaxjsDevice(steps: TrainDoc['jaxjsSteps'], log: (s?: string) => void): void {
  for (const j of steps) {
    const d = j.device;
    log(
      `jax-js step, width ${j.width}: ${d.submits} submits, ${d.computePasses} passes, ` +
        `${d.dispatches} dispatches, ${d.writeBuffers} writeBuffer (${fmt(d.writeBytes / 1e3)} kB), ` +
        `${d.mapAsyncs} maps (${fmt(d.mapWaitMs)} ms waiting), ${d.workDoneWaits} work-done waits; ` +
        `calls ${fmt(j.phases.callMs)} ms, ready ${fmt(j.phases.readyMs)} ms, read ${fmt(j.phases.readMs)} ms`,
    );
  }
}
