/**
 * The Runs view (issue 17, item 4) on the built-in example (no training): every loss curve of the
 * sweep, filtered by parametrization, width, learning rate and seed; opened from a clicked point of
 * the transfer chart; saved as SVG and PNG. And the page's JSON export reads its optima on the
 * loss the chart shows.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { hpGrid } from '../src/sweep/config';
import {
  oneLine,
  openExample,
  pageErrors,
  parseExportFile,
  pngSize,
  readFigureSvg,
  saveDownload,
  shotOf,
  TINY,
  TINY_RUNS,
  TINY_RUNS_EACH,
} from './lab-helpers';

// The grid's sizes: widths, learning rates and seeds (per parametrization W × L × S runs).
const W = TINY.widths.length;
const L = hpGrid(TINY.sweep).length;
const S = TINY.train.seeds.length;

test('the Runs view draws every run and filters by parametrization, width, LR and seed', async ({
  page,
}, testInfo) => {
  await openExample(page);
  const runs = page.getByRole('region', { name: 'Runs' });
  const curves = (p: string) => runs.getByTestId(`runs-${p}`).locator('path');
  const shown = runs.getByTestId('runs-shown');
  await expect(curves('sp')).toHaveCount(TINY_RUNS_EACH);
  await expect(curves('mup')).toHaveCount(TINY_RUNS_EACH);
  await expect(shown).toContainText(`${TINY_RUNS} of ${TINY_RUNS} runs shown`);
  // Each converged run has its validation loss as a dot at the end.
  const dots = runs.locator('.val-mark');
  expect(await dots.count()).toBeGreaterThan(TINY_RUNS / 2);

  await runs.getByRole('group', { name: 'Parametrization' }).getByLabel('SP').uncheck();
  await expect(runs.getByTestId('runs-sp')).toHaveCount(0);
  await expect(shown).toContainText(`${TINY_RUNS_EACH} of ${TINY_RUNS} runs shown`);
  const narrowest = TINY.widths[0];
  await runs.getByLabel(`width ${narrowest}`, { exact: true }).uncheck();
  await expect(curves('mup')).toHaveCount((W - 1) * L * S);
  await runs.getByLabel(`seed ${TINY.train.seeds[0]}`, { exact: true }).uncheck();
  await expect(curves('mup')).toHaveCount((W - 1) * L * (S - 1));
  const lowest = TINY.sweep.log2Min;
  await runs.getByLabel(`log2 learning rate ${lowest}`, { exact: true }).uncheck();
  const left = (W - 1) * (L - 1) * (S - 1);
  await expect(curves('mup')).toHaveCount(left);
  await expect(shown).toContainText(`${left} of ${TINY_RUNS} runs shown`);
  // Every curve is drawn in a width's colour: the one left out is not among them.
  const strokes = new Set(
    await curves('mup').evaluateAll((els) => els.map((e) => e.getAttribute('stroke'))),
  );
  expect(strokes.size).toBe(W - 1);
  await runs.getByRole('button', { name: 'Show every run' }).click();
  await expect(shown).toContainText(`${TINY_RUNS} of ${TINY_RUNS} runs shown`);

  // From a clicked point: that grid value's runs of that parametrization, every width and seed.
  await page.getByTestId('chart-sp').locator('svg.recharts-surface').first().click();
  await page.getByTestId('run-curves').getByRole('button', { name: 'Show in Runs view' }).click();
  await expect(runs.getByTestId('runs-mup')).toHaveCount(0);
  await expect(curves('sp')).toHaveCount(W * S);
  await expect(runs).toBeInViewport();

  // The figure as SVG and PNG: legend, what is shown, the caption.
  const caption = oneLine(await runs.locator('[data-figure-caption]').innerText());
  expect(caption).toContain('Tiny preset');
  const svgFile = await saveDownload(
    page,
    runs.getByRole('button', { name: 'Download runs SVG' }),
    (n) => testInfo.outputPath(n),
  );
  expect(svgFile.name).toMatch(/^mup-lab_runs_\d{4}-\d{2}-\d{2}\.svg$/);
  const svg = readFileSync(svgFile.path, 'utf8');
  const figure = readFigureSvg(svg);
  expect(figure.texts).toContain('SP');
  for (const w of TINY.widths) expect(figure.texts).toContain(`width ${w}`);
  expect(figure.flat).toContain(oneLine(await runs.getByTestId('runs-shown').innerText()));
  expect(figure.flat).toContain(caption);
  // One path per run shown.
  expect(svg.match(/<path /g)?.length).toBe(W * S);
  const pngFile = await saveDownload(
    page,
    runs.getByRole('button', { name: 'Download runs PNG' }),
    (n) => testInfo.outputPath(n),
  );
  expect(pngSize(readFileSync(pngFile.path))).toEqual({
    width: 2 * figure.width,
    height: 2 * figure.height,
  });
  await shotOf(runs, 'lab-runs-view');
  expect(pageErrors(page)).toEqual([]);
});

test("the JSON export reads its optima on the chart's loss, and carries the other's", async ({
  page,
}, testInfo) => {
  await openExample(page);
  const exportJson = () =>
    saveDownload(
      page,
      page.locator('section.panel.export').getByRole('button', { name: 'Export JSON' }),
      (n) => testInfo.outputPath(`${Date.now()}-${n}`),
    );
  const read = async () => {
    const parsed = parseExportFile((await exportJson()).path);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.doc.evidence;
  };
  const val = await read();
  expect(val.metric).toBe('val');
  expect(val.otherMetric?.metric).toBe('train');
  await page.getByLabel('Loss metric').selectOption('train');
  const train = await read();
  expect(train.metric).toBe('train');
  expect(train.optima).toEqual(val.otherMetric?.optima);
  expect(pageErrors(page)).toEqual([]);
});
