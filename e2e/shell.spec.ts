import { expect, test } from '@playwright/test';

test('names the adapter and passes the kernel self-test on WebGPU', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('µP Lab');
  await expect(page.getByTestId('adapter')).toContainText(
    /swiftshader|google|nvidia|amd|intel|apple/i,
  );
  await expect(page.getByTestId('selftest-summary')).toHaveText(/All \d+ kernels passed\./, {
    timeout: 120_000,
  });
  await expect(page.getByTestId('selftest-matmul')).toContainText('pass');
  await page.screenshot({ path: 'test-results/shell-selftest.png', fullPage: true });
  expect(errors).toEqual([]);
});
