import { expect, test, type Page } from '@playwright/test';
import { clearResults, exportJson, openLab, pageErrors, shot } from './lab-helpers';

/** Each parametrization's horizon chart: lines (one per training length), verdict, metrics. */
async function expectHorizonCurves(page: Page): Promise<void> {
  const horizon = page.getByTestId('horizon');
  await expect(horizon).toContainText('Runs at width 16 of 2, 4, 8 steps');
  for (const p of ['sp', 'mup']) {
    await expect(horizon.getByTestId(`horizon-chart-${p}`).locator('.recharts-line')).toHaveCount(
      3,
    );
    await expect(horizon.getByTestId(`horizon-verdict-${p}`)).toContainText(/from steps 2 to 8/);
    await expect(horizon.getByTestId(`horizon-metrics-${p}`)).toContainText(
      /drift -?\d+\.\d\d( ± \d+\.\d\d)? octaves per steps doubling/,
    );
  }
}

test('under a cosine schedule the shorter horizons train as runs of their own', async ({
  page,
}, testInfo) => {
  await openLab(page);
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  // Width 16, three learning rates, one seed, 8 steps: 6 sweep runs, then 12 horizon runs (2 and 4 steps).
  await page.getByLabel('Widths').fill('16');
  await page.getByLabel('Seeds', { exact: true }).fill('0');
  await page.getByLabel('log2 from', { exact: true }).fill('-6');
  await page.getByLabel('to', { exact: true }).fill('-4');
  await page.getByLabel('Steps').fill('8');
  await page.getByLabel('LR schedule').selectOption({ label: 'Warm-up + cosine' });
  await page.getByLabel('Warm-up steps').fill('2');
  await expect(page.getByTestId('estimate')).toContainText('6 runs');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Completed', { timeout: 120_000 });

  const horizon = page.getByTestId('horizon');
  await expect(horizon.getByTestId('horizon-note')).toContainText('needs runs of its own');
  await expect(horizon.getByTestId('horizon-runs')).toContainText('12 runs of 2 and 4 steps');
  await horizon.getByRole('button', { name: 'Train the shorter horizons (12 runs)' }).click();
  await expect(horizon.getByTestId('horizon-progress')).toContainText('· training');
  // The sweep waits while the horizon runs use the GPU.
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeDisabled();
  await expect(horizon.getByTestId('horizon-progress')).toHaveText(/^\s*12 \/ 12 horizon runs$/, {
    timeout: 120_000,
  });
  await expectHorizonCurves(page);
  await expect(horizon.getByRole('button', { name: /Train the/ })).toHaveCount(0);
  // The width analysis holds the sweep's runs only.
  for (const p of ['sp', 'mup'])
    await expect(page.getByTestId(`chart-${p}`)).toContainText('3 runs finished');
  await horizon.scrollIntoViewIfNeeded();
  await shot(page, 'lab-horizon-cosine');

  // A reload keeps them (autosave and the run journal).
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible();
  await expectHorizonCurves(page);
  for (const p of ['sp', 'mup'])
    await expect(page.getByTestId(`chart-${p}`)).toContainText('3 runs finished');

  // The export carries them apart from the sweep's runs; Clear and import bring them back.
  const exportPanel = page.locator('section.export');
  const { path, doc } = await exportJson(page, testInfo);
  expect(doc.evidence.runs).toHaveLength(6);
  const steps = doc.evidence.horizonRuns?.map((r) => r.steps).sort();
  expect(steps).toEqual([2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4]);
  await clearResults(page);
  await expect(page.getByTestId('horizon')).toHaveCount(0);
  await exportPanel.getByLabel('Import JSON').setInputFiles(path);
  await expect(page.getByTestId('sweep-status')).toContainText('Completed');
  await expectHorizonCurves(page);
  expect(pageErrors(page)).toEqual([]);
});
