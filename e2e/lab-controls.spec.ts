import { expect, test } from '@playwright/test';
import {
  openLab,
  progressBar,
  runsDone,
  shot,
  startTinySweep,
  TINY_RUNS,
  waitForRuns,
} from './lab-helpers';

test('Pause holds the sweep, Resume continues it, Cancel stops it and keeps finished runs', async ({
  page,
}) => {
  await openLab(page);
  // Tiny with 60 steps a run: the Tiny sweep itself can finish within seconds of its first run,
  // before a click on Pause lands; the controls need runs that last.
  await startTinySweep(page, 60);
  const status = page.getByTestId('sweep-status');
  const pause = page.getByRole('button', { name: 'Pause' });
  const resume = page.getByRole('button', { name: 'Resume' });
  const cancel = page.getByRole('button', { name: 'Cancel' });

  await waitForRuns(page, 1);
  await pause.click();
  // "Pausing…" while the steps already queued on the GPU finish, then "Paused".
  await expect(status.locator('.status')).toHaveText('Paused', { timeout: 30_000 });
  await expect(resume).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeDisabled();
  // The form is locked while a sweep is on.
  await expect(page.getByLabel('Steps', { exact: true })).toBeDisabled();
  const snapshot = async () =>
    `${await runsDone(page)} ${(await page.getByTestId('runs-in-flight').allTextContents()).join()}`;
  const before = await snapshot();
  await page.waitForTimeout(3000);
  expect(await snapshot()).toBe(before);
  const held = await runsDone(page);
  await shot(page, 'lab-paused');

  await resume.click();
  await expect(status).toContainText('Running');
  await waitForRuns(page, held + 1);

  await cancel.click();
  await expect(status).toContainText('Cancelled');
  const kept = await runsDone(page);
  expect(kept).toBeGreaterThanOrEqual(held + 1);
  expect(kept).toBeLessThan(TINY_RUNS);
  await page.waitForTimeout(1000);
  expect(await runsDone(page)).toBe(kept);
  await expect(progressBar(page)).toHaveAttribute('aria-valuemax', String(TINY_RUNS));
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
  await expect(pause).toBeDisabled();
  await expect(resume).toBeDisabled();
  const finished = page.getByTestId('chart-sp').or(page.getByTestId('chart-mup'));
  await expect(finished.first()).toContainText('runs finished');

  // Clear asks first, in the page; "Keep" keeps everything.
  await page.getByRole('button', { name: 'Clear' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clear the results?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Keep' }).click();
  await expect(dialog).toBeHidden();
  expect(await runsDone(page)).toBe(kept);
  await page.getByRole('button', { name: 'Clear' }).click();
  await dialog.getByRole('button', { name: 'Clear results' }).click();
  await expect(status).toContainText('Not started');
  await expect(page.getByTestId('chart-sp')).toHaveCount(0);
});
