/**
 * Every figure exports as SVG and PNG with its legend, verdict, metrics and caption (issue 17,
 * item 4): the horizon charts (on the built-in example, no training) and the coordinate check
 * (a few steps per width on SwiftShader), whose legend sits outside its plots and whose SP and
 * µP panels share one y range.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';
import {
  oneLine,
  openExample,
  openLab,
  pageErrors,
  pngSize,
  readFigureSvg,
  saveDownload,
  shotOf,
  TINY,
} from './lab-helpers';

/** Saves the SVG and the PNG through the panel's two buttons; the PNG is twice the SVG's size. */
async function saveBoth(page: Page, panel: Locator, what: string, testInfo: TestInfo) {
  const out = (n: string) => testInfo.outputPath(n);
  const svgFile = await saveDownload(
    page,
    panel.getByRole('button', { name: `Download ${what} SVG` }),
    out,
  );
  const svg = readFigureSvg(readFileSync(svgFile.path, 'utf8'));
  const pngFile = await saveDownload(
    page,
    panel.getByRole('button', { name: `Download ${what} PNG` }),
    out,
  );
  const png = readFileSync(pngFile.path);
  expect(png.length).toBeGreaterThan(1000);
  expect(pngSize(png)).toEqual({ width: 2 * svg.width, height: 2 * svg.height });
  await expect(panel.getByRole('status').filter({ hasText: 'Saved' })).toContainText(pngFile.name);
  return { svg, svgName: svgFile.name, pngName: pngFile.name };
}

test('the horizon figure saves as SVG and PNG with legend, verdicts, drift and caption', async ({
  page,
}, testInfo) => {
  await openExample(page);
  const horizon = page.getByTestId('horizon');
  await expect(horizon.getByTestId('horizon-chart-mup')).toBeVisible();
  const caption = oneLine(await horizon.getByTestId('horizon-caption').innerText());
  expect(caption).toContain('Tiny preset');
  expect(caption).toMatch(/after \d+, \d+, 16 steps at width 64/);
  const { svg, svgName } = await saveBoth(page, horizon, 'horizon chart', testInfo);
  expect(svgName).toMatch(/^mup-lab_horizon_\d{4}-\d{2}-\d{2}\.svg$/);
  expect(svg.flat).toContain(caption);
  for (const p of ['sp', 'mup']) {
    expect(svg.flat).toContain(
      oneLine(await horizon.getByTestId(`horizon-verdict-${p}`).innerText()).replace(
        /^(SP|µP):\s*/,
        '',
      ),
    );
    const metrics = oneLine(await horizon.getByTestId(`horizon-metrics-${p}`).innerText());
    expect(metrics).toMatch(/drift .* ± .*penalty/);
    expect(svg.flat).toContain(metrics);
  }
  expect(svg.texts.filter((t) => t === 'µP')).toHaveLength(1);
  expect(svg.flat).toContain(`steps ${TINY.train.steps}`);
  expect(pageErrors(page)).toEqual([]);
});

test('the coordinate check: one line per step, legend outside, shared y, SVG and PNG', async ({
  page,
}, testInfo) => {
  await openLab(page);
  const panel = page.locator('section.coord-panel');
  // Its own widths, wider than the sweep's.
  await panel.getByLabel('Coordinate check width list').fill('16, 32, 64, 128');
  await panel.getByRole('button', { name: 'Run coordinate check' }).click();
  const verdict = panel.getByRole('status', { name: 'Coordinate check verdict' });
  await expect(verdict.locator('li')).toHaveCount(2, { timeout: 120_000 });

  const charts = panel.locator('.coord-chart');
  await expect(charts).toHaveCount(2);
  for (const chart of [charts.nth(0), charts.nth(1)]) {
    // One line per step (mup's plot_coord_data), the widths on the x axis.
    const legend = chart.locator('ul.legend li');
    await expect(legend).toHaveText(['step 1', 'step 2', 'step 3', 'step 4']);
    await expect(chart.locator('.recharts-line')).toHaveCount(4);
    const xTicks = chart.locator('.recharts-xAxis-tick-labels text');
    await expect(xTicks).toHaveText(['16', '32', '64', '128']);
    // The legend lies below the plot, never over it.
    const plot = await chart.locator('svg.recharts-surface').boundingBox();
    const box = await chart.locator('ul.legend').boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(plot!.y + plot!.height - 1);
  }
  // SP and µP on one y range: the same ticks.
  const ticks = (i: number) =>
    charts.nth(i).locator('.recharts-yAxis-tick-labels text').allTextContents();
  expect((await ticks(0)).length).toBeGreaterThan(1);
  expect(await ticks(0)).toEqual(await ticks(1));

  const caption = oneLine(await panel.getByTestId('coord-caption').innerText());
  expect(caption).toContain('widths 16, 32, 64, 128 (base 16)');
  expect(caption).toContain('4 steps of AdamW');
  const { svg, svgName } = await saveBoth(page, panel, 'coordinate check', testInfo);
  expect(svgName).toMatch(/^mup-lab_coord-check_\d{4}-\d{2}-\d{2}\.svg$/);
  expect(svg.flat).toContain(caption);
  for (const line of await verdict.locator('li').allInnerTexts())
    expect(svg.flat).toContain(oneLine(line));
  for (const s of ['step 1', 'step 4']) expect(svg.texts).toContain(s);
  expect(svg.texts.filter((t) => /^SP, /.test(t))).toHaveLength(1);
  await shotOf(panel, 'lab-coord-check');
  expect(pageErrors(page)).toEqual([]);
});
