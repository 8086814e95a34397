import { expect, test } from '@playwright/test';
import { openLab, runsDone, shot, startTinySweep, waitForRuns } from './lab-helpers';

test('a device lost mid-sweep is announced, and Resume continues on a new device', async ({
  page,
}) => {
  await openLab(page, '?test-hooks');
  // 60 steps a run: Tiny's own 16 can finish the sweep before the device is lost.
  await startTinySweep(page, 60);
  await waitForRuns(page, 1);
  await page.evaluate(() =>
    (window as unknown as { __mupLab: { loseDevice(): void } }).__mupLab.loseDevice(),
  );
  const alert = page.getByRole('alert').filter({ hasText: 'GPU device was lost' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('Press Resume');
  await expect(page.getByTestId('sweep-status')).toContainText('Interrupted');
  const kept = await runsDone(page);
  await shot(page, 'lab-device-lost');

  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Running');
  await expect(alert).toBeHidden();
  await waitForRuns(page, kept + 1);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Cancelled');
});
