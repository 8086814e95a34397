import { expect, test } from '@playwright/test';
import { openLab, pageErrors } from './lab-helpers';

test('Re-tune times the kernel variants, shows them, and a reload finds them cached', async ({
  page,
}) => {
  await openLab(page);
  await expect(page.getByTestId('selftest-summary')).toHaveText(/kernels passed/);
  await expect(page.getByTestId('tuning-status')).toContainText('Not tuned yet');
  await page.getByRole('heading', { name: 'Kernel self-test' }).click();
  await page.getByRole('button', { name: 'Re-tune' }).click();
  await expect(page.getByTestId('tuning-status')).toContainText('Tuning kernels');
  await expect(page.getByTestId('tuning-status')).toContainText('shapes tuned just now', {
    timeout: 60_000,
  });
  const rows = page.getByTestId('tuning-row');
  await expect(rows.first()).toBeVisible();
  // Every row names a chosen variant and its time in ms, and the kernel it belongs to.
  const first = await rows.first().innerText();
  expect(first).toMatch(/^(matmul|layernorm|cross_entropy|attention)\t.+\t\w+\t[\d.]+ ms\t\w+/);
  const tuned = await rows.allInnerTexts();

  await page.reload();
  await expect(page.getByTestId('selftest-summary')).toHaveText(/kernels passed/);
  await expect(page.getByTestId('tuning-status')).toContainText('(cached for this adapter)');
  await page.getByRole('heading', { name: 'Kernel self-test' }).click();
  expect(await page.getByTestId('tuning-row').allInnerTexts()).toEqual(tuned);
  expect(pageErrors(page)).toEqual([]);
});
