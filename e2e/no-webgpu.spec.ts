import { expect, test } from '@playwright/test';

test('explains what to do when there is no WebGPU adapter', async ({ page }) => {
  await page.goto('/');
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('No WebGPU adapter available');
  await expect(alert).toContainText('What to do');
  await expect(alert).toContainText('enable-unsafe-webgpu');
  await expect(page.getByTestId('adapter')).toHaveCount(0);
});

test('explains what to do when the browser has no navigator.gpu at all', async ({ page }) => {
  await page.addInitScript(() => {
    // A browser without WebGPU: remove the API before the app starts.
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    delete (Navigator.prototype as { gpu?: unknown }).gpu;
  });
  await page.goto('/');
  await expect(page.getByRole('alert')).toContainText('This browser has no WebGPU');
});
