/**
 * The Sweeps list and honest costs (issue 17, items 3 and 6), on one pair of small sweeps:
 * both are listed, an import adds a third entry, rename, open an older sweep, overlay one on the
 * transfer chart, delete with Undo, a reload keeps them all; the estimate of a sweep is close to
 * its actual time (withinLoosely), and a sweep estimated over 10 minutes asks before it starts.
 */
import { expect, test, type Page } from '@playwright/test';
import {
  durationSeconds,
  openLab,
  pageErrors,
  runsDone,
  runsTotal,
  shotOf,
  withinLoosely,
} from './lab-helpers';

/**
 * Runs the form's sweep to the end: its wall-clock seconds, and the total the progress bar's ETA
 * predicted once a run of the widest width had finished (every width's step time measured by
 * the sweep itself); undefined when no poll landed then (the page answers slowly mid-sweep).
 */
async function runToEnd(page: Page): Promise<{ actual: number; predicted: number | undefined }> {
  const start = Date.now();
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Running');
  const total = await runsTotal(page);
  let predicted: number | undefined;
  await expect
    .poll(
      async () => {
        // Runs done and the ETA read together: the page may take seconds to answer.
        const { done, eta } = await page.evaluate(() => ({
          done: Number(
            document.querySelector('[data-testid=sweep-progress]')?.getAttribute('aria-valuenow'),
          ),
          eta: document.querySelector('[data-testid=sweep-eta]')?.textContent ?? null,
        }));
        if (eta !== null && done > total / 2 && done < total)
          predicted = (Date.now() - start) / 1000 + durationSeconds(eta);
        return done;
      },
      { timeout: 170_000, intervals: [250] },
    )
    .toBe(total);
  await expect(page.getByTestId('sweep-status')).toContainText('Completed');
  return { actual: (Date.now() - start) / 1000, predicted };
}

test('every sweep is kept: list, import, rename, open, overlay, delete + undo, reload; honest estimates', async ({
  page,
}, testInfo) => {
  test.setTimeout(420_000);
  await openLab(page);
  // Tiny's model and grid at two widths and one seed, whatever the preset's own widths and seeds.
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  await page.getByLabel('Widths').fill('16, 32');
  await page.getByLabel('Seeds').fill('0');
  await expect(page.getByTestId('estimate')).toContainText('runs');
  const sweeps = page.getByRole('list', { name: 'Sweeps' });
  const entries = sweeps.getByRole('listitem');
  await expect(entries).toHaveCount(0);

  // Sweep 1: no rates measured yet, so the form says so; the progress bar's ETA comes from the
  // sweep's own first runs.
  await expect(page.getByTestId('estimate')).toContainText('measured during the first sweep');
  const first = await runToEnd(page);
  const total1 = await runsTotal(page);
  testInfo.annotations.push({
    type: 'sweep 1',
    description: `${first.actual.toFixed(1)} s, ETA-based prediction ${first.predicted?.toFixed(1)} s`,
  });
  // Loosely: only when a poll caught the ETA in the second half of the sweep.
  if (first.predicted !== undefined) withinLoosely(first.predicted, first.actual, 'ETA of sweep 1');
  await expect(entries).toHaveCount(1);

  // Sweep 2, another seed: the form estimates it from sweep 1's measured step times.
  await page.getByLabel('Seeds').fill('1');
  const estimate = page.getByTestId('estimate-time');
  await expect(estimate).toBeVisible();
  const estimated = durationSeconds(await estimate.innerText());
  const second = await runToEnd(page);
  testInfo.annotations.push({
    type: 'sweep 2',
    description: `estimated ${estimated} s, took ${second.actual.toFixed(1)} s`,
  });
  withinLoosely(estimated, second.actual, 'form estimate of sweep 2');
  const total2 = await runsTotal(page);

  // Both are listed, newest first, and the save label counts everything kept.
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(0).getByTestId('sweep-runs')).toHaveText(`${total2} of ${total2} runs`);
  await expect(entries.nth(1).getByTestId('sweep-runs')).toHaveText(`${total1} of ${total1} runs`);
  await expect(entries.nth(0)).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('save-status')).toContainText(
    `2 sweeps, ${total1 + total2} runs in all`,
  );

  // Rename the older one.
  const older = entries.nth(1);
  await older.getByRole('button', { name: 'Rename' }).click();
  await older.getByLabel('Sweep name').fill('Baseline seed 0');
  await older.getByRole('button', { name: 'Save name' }).click();
  await expect(older).toContainText('Baseline seed 0');

  // Import JSON of the shown sweep adds an entry; the form keeps its settings.
  const exportPanel = page.locator('section.panel.export');
  const download = page.waitForEvent('download');
  await exportPanel.getByRole('button', { name: 'Export JSON' }).click();
  const file = await download;
  const path = testInfo.outputPath(file.suggestedFilename());
  await file.saveAs(path);
  await exportPanel.getByLabel('Import JSON').setInputFiles(path);
  await expect(entries).toHaveCount(3);
  await expect(entries.nth(0)).toContainText('Import: export of');
  await expect(entries.nth(0)).toHaveAttribute('aria-current', 'true');
  await expect(page.getByLabel('Seeds')).toHaveValue('1');

  // Open the older sweep: the charts show it.
  const baseline = entries.filter({ hasText: 'Baseline seed 0' });
  await baseline.getByRole('button', { name: 'Open' }).click();
  await expect(baseline).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('sweep-status')).toContainText('Completed');
  expect(await runsDone(page)).toBe(total1);

  // Overlay sweep 2 (seed 1) on it: dashed lines and a legend entry with its name.
  const seed1 = entries.filter({ hasText: 'Custom sweep' });
  await seed1.getByRole('button', { name: 'Overlay' }).click();
  await expect(seed1.getByRole('button', { name: 'Overlay' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  for (const p of ['sp', 'mup']) {
    const chart = page.getByTestId(`chart-${p}`);
    await expect(chart.getByTestId(`overlay-legend-${p}`)).toContainText('Dashed: “Custom sweep”');
    const dashed = chart.locator('.recharts-line.overlay-line path.recharts-line-curve');
    expect(await dashed.count()).toBeGreaterThan(0);
    await expect(dashed.first()).toHaveAttribute('stroke-dasharray', '6 4');
  }
  await shotOf(page.getByRole('region', { name: 'Transfer', exact: true }), 'sweeps-overlay');

  // Delete the import, then Undo.
  const imported = entries.filter({ hasText: 'Import: export of' });
  await imported.getByRole('button', { name: 'Delete' }).click();
  await expect(entries).toHaveCount(2);
  const undo = page.getByTestId('sweeps-undo');
  await expect(undo).toContainText('Deleted “Import: export of');
  await undo.getByRole('button', { name: 'Undo' }).click();
  await expect(entries).toHaveCount(3);
  await expect(undo).toHaveCount(0);

  // A reload keeps all three, the name, and which one the charts show.
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible();
  await expect(entries).toHaveCount(3);
  await expect(baseline).toHaveAttribute('aria-current', 'true');
  expect(await runsDone(page)).toBe(total1);
  await expect(entries.filter({ hasText: 'Import: export of' })).toHaveCount(1);
  await shotOf(page.locator('section.sweeps'), 'sweeps-list');

  // A sweep estimated over 10 minutes asks first; "Not now" starts nothing.
  await expect(page.getByTestId('data-status')).toContainText('Vocabulary');
  await page.getByLabel('Preset').selectOption({ label: 'Paper-like' });
  await expect(page.getByTestId('estimate-time')).toBeVisible();
  expect(durationSeconds(await page.getByTestId('estimate-time').innerText())).toBeGreaterThan(600);
  await page.getByRole('button', { name: 'Run sweep' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start a long sweep?' });
  await expect(dialog).toContainText('estimated at about');
  await dialog.getByRole('button', { name: 'Not now' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('sweep-status')).toContainText('Completed');
  await expect(entries).toHaveCount(3);
  expect(pageErrors(page)).toEqual([]);
});
