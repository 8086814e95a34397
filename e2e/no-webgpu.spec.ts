import { expect, test } from '@playwright/test';
import { TINY, TINY_RUNS, TINY_RUNS_EACH } from './lab-helpers';

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

test('without WebGPU the built-in example result can still be explored', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('no-webgpu')).toBeVisible();
  await expect(page.getByRole('region', { name: 'What this lab shows' })).toContainText(
    'a line per width',
  );
  await page.getByRole('button', { name: 'Explore an example result' }).click();
  await expect(page.getByTestId('example-status')).toContainText(
    `the Tiny preset, ${TINY_RUNS} runs`,
  );
  for (const p of ['sp', 'mup']) {
    const chart = page.getByTestId(`chart-${p}`);
    await expect(chart).toContainText(`${TINY_RUNS_EACH} runs finished`);
    for (const w of TINY.widths) await expect(chart.getByTestId(`legend-w${w}`)).toBeVisible();
  }
  await expect(page.getByRole('slider', { name: 'Target width' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Export JSON' })).toBeEnabled();
  await page.screenshot({ path: 'test-results/no-webgpu-example.png', fullPage: true });
});
