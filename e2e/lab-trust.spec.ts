import { expect, test } from '@playwright/test';
import { openLab, pageErrors, shot } from './lab-helpers';

test('with two seeds each point shows a mean ± sd band and each optimum a bootstrap sd', async ({
  page,
}) => {
  await openLab(page);
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  // One width, three learning rates, two seeds: 12 short runs.
  await page.getByLabel('Widths').fill('16');
  await page.getByLabel('log2 from', { exact: true }).fill('-6');
  await page.getByLabel('to', { exact: true }).fill('-4');
  await page.getByLabel('Seeds', { exact: true }).fill('0, 1');
  await expect(page.getByTestId('estimate')).toContainText('12 runs');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Completed', { timeout: 150_000 });
  for (const p of ['sp', 'mup']) {
    const chart = page.getByTestId(`chart-${p}`);
    await expect(chart.locator('.band-w16 path.recharts-area-area')).toHaveCount(1);
    await expect(chart.getByTestId('optimum-sd')).toHaveCount(1);
    await expect(chart.getByTestId('legend-w16')).toContainText(
      /best log2 learning rate [−-]?\d+(\.\d+)? ± \d\.\d\d/,
    );
  }
  await page.getByTestId('chart-mup').scrollIntoViewIfNeeded();
  await shot(page, 'lab-seed-bands');
  expect(pageErrors(page)).toEqual([]);
});

test('CompleteP is a named depth option; the coordinate check runs across depths', async ({
  page,
}) => {
  await openLab(page);
  const select = page.getByLabel('Depth scaling (µP)');
  await expect(select.locator('option')).toHaveText([
    'none',
    'depth-µP (α = 1/2)',
    'CompleteP (α = 1)',
  ]);
  await select.selectOption({ label: 'CompleteP (α = 1)' });
  await expect(select).toHaveValue('completep');

  // µP across depths 1, 2, 4 at width 16 (base depth 1): nothing grows with depth.
  await page.getByLabel('Parametrization').selectOption({ label: 'µP only' });
  await page.getByLabel('Transfer across').selectOption({ label: 'Depth' });
  await page.getByLabel('Width', { exact: true }).fill('16');
  await page.getByLabel('Depths').fill('1, 2, 4');
  await page.getByLabel('Base depth').fill('1');
  const panel = page.locator('section.coord-panel');
  await panel.getByRole('button', { name: 'Run coordinate check' }).click();
  const verdict = panel.getByRole('status', { name: 'Coordinate check verdict' });
  await expect(verdict.locator('li')).toHaveCount(1, { timeout: 90_000 });
  await expect(verdict.locator('li')).toContainText(/^µP: /);
  await expect(verdict.locator('li')).not.toContainText('grow');
  await expect(panel).toContainText('against depth on log-log axes');
  await expect(panel.locator('.coord-chart').first()).toContainText('depth');
  await shot(page, 'lab-coord-depth-completep');
  expect(pageErrors(page)).toEqual([]);
});
