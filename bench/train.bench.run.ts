/**
 * Vitest entry of `npm run bench -- train` (see scripts/bench.mjs and bench/vitest.config.ts).
 * Vitest is only the loader here: it gives the bench our TypeScript and `?raw` WGSL imports.
 * With `--browser` the page's run in Chromium comes first, then the Node run, both in one JSON
 * (default bench-results/train-browser.json).
 */
import { resolve } from 'node:path';
import { it } from 'vitest';
import { writeResult } from './table';
import { runTrainBench, trainOptionsFromEnv } from './train';
import { runTrainBrowser } from './train-browser';
import { sideBySide } from './train-compare';
import {
  printAccounting,
  printBreakdowns,
  printChecks,
  printJaxjsDevice,
  printRow,
  rowTable,
} from './train-report';
import type { TrainDoc } from './train-round';

/** The page's results, printed as the Node run prints its own. */
function printTrainDoc(doc: TrainDoc): void {
  const log = (s = '') => console.log(s);
  const table = rowTable(log);
  for (const row of doc.rows) printRow(table, row);
  printBreakdowns(doc.breakdown, doc.breakdownTiming, log);
  printAccounting(doc.accounting, log);
  printChecks(doc.rows, doc.lossChecks, log);
  printJaxjsDevice(doc.jaxjsSteps, log);
}

it('training step benchmark', async () => {
  const opts = trainOptionsFromEnv();
  if (!opts.browser) {
    await runTrainBench(opts);
    return;
  }
  console.log('browser run (Chromium, bench/web):');
  const browser = await runTrainBrowser(opts);
  printTrainDoc(browser as unknown as TrainDoc);
  console.log('\nNode run (Dawn), beside it:');
  const node = await runTrainBench(opts);
  const doc = {
    format: 'mup-lab/bench',
    version: 1,
    suite: 'train',
    host: 'browser+node',
    comparison: sideBySide(browser, node),
    browser,
    node,
  };
  for (const line of doc.comparison.lines) console.log(line);
  writeResult(opts.out ?? resolve('bench-results', 'train-browser.json'), doc, console.log);
});
