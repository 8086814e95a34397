import { expect, test } from '@playwright/test';
import {
  openLab,
  pageErrors,
  progressBar,
  runsDone,
  shot,
  TINY,
  TINY_RUNS,
  waitForRuns,
} from './lab-helpers';

test('a reload mid-sweep keeps the finished runs and resumes after them', async ({ page }) => {
  await openLab(page);
  // The Tiny preset with another corpus seed, to see that the settings come back too.
  await page.getByLabel('Corpus seed').fill('1');
  await expect(page.getByTestId('data-status')).toContainText('seed 1');
  // Long enough runs that the reload lands mid-sweep, however fast the adapter is.
  await page.getByLabel('Steps').fill('60');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Running');
  await waitForRuns(page, 2);
  // Wait until finished runs are in IndexedDB, then reload in the middle of the sweep.
  const savedRuns = async () =>
    Number(/(\d+) runs?/.exec((await page.getByTestId('save-status').textContent()) ?? '')?.[1]);
  await expect.poll(savedRuns).toBeGreaterThanOrEqual(2);
  const saved = await savedRuns();
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible();

  // Every run saved before the reload is back (one more may have landed meanwhile).
  const message = page.getByTestId('sweep-message');
  await expect(message).toContainText(`of ${TINY_RUNS} runs had finished and were kept`);
  const kept = Number(/(\d+) of \d+ runs/.exec((await message.textContent()) ?? '')?.[1]);
  expect(kept).toBeGreaterThanOrEqual(saved);
  expect(kept).toBeLessThan(TINY_RUNS);
  await expect(page.getByTestId('sweep-status')).toContainText('Interrupted');
  expect(await runsDone(page)).toBe(kept);
  await expect(page.getByLabel('Preset')).toHaveValue('custom');
  await expect(page.getByLabel('Corpus seed')).toHaveValue('1');
  await expect(page.getByLabel('Widths')).toHaveValue(TINY.widths.join(', '));
  await shot(page, 'lab-restored');

  const resume = page.getByRole('button', { name: 'Resume' });
  await expect(resume).toBeEnabled();
  await resume.click();
  await expect(page.getByTestId('sweep-status')).toContainText('Running');
  await expect(message).toBeHidden();
  // It goes on from the runs it kept (the next one lands as run kept + 1, not run 1)...
  await waitForRuns(page, kept + 1);
  await expect(progressBar(page)).toHaveAttribute('aria-valuemax', String(TINY_RUNS));
  // ...and the charts hold each finished run once.
  const finished = async (p: string) =>
    Number(
      /(\d+) runs? finished/.exec((await page.getByTestId(`chart-${p}`).textContent()) ?? '')?.[1],
    );
  await expect
    .poll(async () => (await finished('sp')) + (await finished('mup')) - (await runsDone(page)))
    .toBe(0);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Cancelled');
  expect(pageErrors(page)).toEqual([]);
});

test('settings changed just before a reload survive it (the pending autosave is flushed)', async ({
  page,
}) => {
  await openLab(page);
  const depthScaling = page.getByLabel('Depth scaling (µP)');
  await depthScaling.selectOption({ label: 'CompleteP (α = 1)' });
  await page.getByLabel('Steps').fill('17');
  await expect(depthScaling).toHaveValue('completep');
  // At once, well inside the autosave's debounce: only the flush on pagehide can save these.
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible();
  await expect(page.getByLabel('Depth scaling (µP)')).toHaveValue('completep');
  await expect(page.getByLabel('Steps')).toHaveValue('17');
  await expect(page.getByLabel('Preset')).toHaveValue('custom');
  expect(pageErrors(page)).toEqual([]);
});
