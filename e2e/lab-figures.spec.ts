/**
 * Figures a researcher would publish (issue 17, item 4), on an imported result (no training):
 * the transfer chart's clipped y range marks off-scale and diverged points and counts them, the
 * log-y toggle, and the PNG and SVG downloads carry the legend, the verdict, drift ± sd, the
 * penalty and the config's caption.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import {
  oneLine,
  openLab,
  pageErrors,
  pngSize,
  readFigureSvg,
  saveDownload,
  shotOf,
} from './lab-helpers';

test('the transfer figure: clipped range, log y, PNG and SVG with legend, verdict and caption', async ({
  page,
}, testInfo) => {
  const json = testInfo.outputPath('tiny-made-up.json');
  const script = fileURLToPath(new URL('./make-export.ts', import.meta.url));
  execFileSync(process.execPath, ['--import', 'tsx', script, json]);
  await openLab(page);
  const exportPanel = page.locator('section.panel.export');
  await exportPanel.getByLabel('Import JSON').setInputFiles(json);
  await expect(page.getByTestId('chart-sp')).toBeVisible();

  // SP's blow-ups (loss 5.5) lie above the clipped range, marked at the edge and counted.
  const note = page.getByTestId('scale-note-sp');
  await expect(note).toContainText('1 point diverged');
  await expect(note).toContainText('2 points off scale');
  await expect(page.getByTestId('chart-sp').getByTestId('offscale-marker')).toHaveCount(2);
  await expect(page.getByTestId('scale-note-mup')).toHaveCount(0);
  // Unclipped, every loss is in range; log y keeps the clipping.
  const clip = page.getByLabel('Clip y to the informative range');
  await clip.uncheck();
  await expect(note).not.toContainText('off scale');
  await clip.check();
  await page.getByLabel('Log y').check();
  await expect(note).toContainText('2 points off scale');
  await page.getByLabel('Log y').uncheck();

  // Validation loss by default; training loss on request, stated in the caption and the axis.
  await expect(page.getByTestId('figure-caption')).toContainText('loss: validation loss');
  await page.getByLabel('Loss metric').selectOption('train');
  await expect(page.getByTestId('figure-caption')).toContainText('loss: final training loss');
  await expect(page.getByTestId('chart-sp')).toContainText('final train loss');
  await page.getByLabel('Loss metric').selectOption('val');
  await expect(page.getByTestId('chart-sp')).toContainText('validation loss');
  // A click on a point shows the loss curves of its runs (every width and seed at that LR).
  await page.getByTestId('chart-sp').locator('svg.recharts-surface').first().click();
  const curves = page.getByTestId('run-curves');
  await expect(curves).toContainText('SP, log2 learning rate');
  await expect(curves.locator('li')).toHaveCount(4);
  await expect(curves).toContainText('width 32, seed 1');
  await expect(curves.locator('.recharts-line-curve')).toHaveCount(4);
  await curves.getByRole('button', { name: 'Close' }).click();
  await expect(curves).toHaveCount(0);
  const caption = await page.getByTestId('figure-caption').innerText();
  expect(caption).toContain('widths 16, 32');
  expect(caption).toContain('seeds 0, 1');
  const verdict = (await page.getByTestId('verdict-mup').innerText()).replace(/^µP:\s*/, '');
  const metrics = await page.getByTestId('metrics-mup').innerText();
  expect(metrics).toMatch(/drift .* ± /);
  expect(metrics).toContain('penalty');

  const save = (name: string) =>
    saveDownload(page, exportPanel.getByRole('button', { name }), (n) => testInfo.outputPath(n));
  const svgFile = await save('Download chart SVG');
  expect(svgFile.name).toMatch(/^mup-lab_transfer_\d{4}-\d{2}-\d{2}\.svg$/);
  const { texts, flat, width, height } = readFigureSvg(readFileSync(svgFile.path, 'utf8'));
  for (const t of ['SP', 'µP']) expect(texts).toContain(t);
  expect(flat).toContain('width 16');
  expect(flat).toContain('width 32');
  expect(flat).toContain(oneLine(caption));
  expect(flat).toContain('1 point diverged');
  // Wrapped lines: compare without line breaks.
  expect(flat).toContain(oneLine(verdict));
  expect(flat).toContain(oneLine(metrics));
  // The titles are drawn once each, in their own row (no collisions with the charts).
  expect(texts.filter((t) => t === 'µP')).toHaveLength(1);
  expect(width).toBeGreaterThan(300);
  expect(height).toBeGreaterThan(300);

  const pngFile = await save('Download chart PNG');
  expect(pngFile.name).toMatch(/\.png$/);
  // Twice the SVG's size.
  expect(pngSize(readFileSync(pngFile.path))).toEqual({ width: 2 * width, height: 2 * height });
  // Kept for a look (test-results/ is not committed).
  copyFileSync(pngFile.path, 'test-results/figure-export.png');
  await shotOf(page.locator('section.panel.charts').first(), 'figure-transfer');

  // The metric chosen is the one found after a reload (the imported sweep is kept too).
  await page.getByLabel('Loss metric').selectOption('train');
  await page.reload();
  await expect(page.getByTestId('chart-sp')).toBeVisible();
  await expect(page.getByLabel('Loss metric')).toHaveValue('train');
  await expect(page.getByTestId('figure-caption')).toContainText('loss: final training loss');
  expect(pageErrors(page)).toEqual([]);
});
