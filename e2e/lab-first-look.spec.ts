import { expect, test } from '@playwright/test';
import { openLab, pageErrors, shot, TINY, TINY_RUNS, TINY_RUNS_EACH } from './lab-helpers';

test('the page says what it shows and offers a finished example to explore', async ({ page }) => {
  await openLab(page);
  const intro = page.getByRole('region', { name: 'What this lab shows' });
  await expect(intro).toContainText('under µP the best learning rate stays put');
  await intro.getByRole('button', { name: 'Explore an example result' }).click();
  await expect(page.getByTestId('example-status')).toContainText(
    `Showing the example: the Tiny preset, ${TINY_RUNS} runs trained on`,
  );
  await expect(page.getByTestId('sweep-status')).toContainText('Completed');
  for (const p of ['sp', 'mup']) {
    const chart = page.getByTestId(`chart-${p}`);
    await expect(chart).toContainText(`${TINY_RUNS_EACH} runs finished`);
    for (const w of TINY.widths) await expect(chart.getByTestId(`legend-w${w}`)).toBeVisible();
    await expect(page.getByTestId(`verdict-${p}`)).not.toContainText('grid edge');
  }
  await expect(page.getByRole('button', { name: 'Export JSON' })).toBeEnabled();
  expect(pageErrors(page)).toEqual([]);
});

test('on a phone, Run sweep stays in view while the settings scroll', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openLab(page);
  const run = page.getByRole('button', { name: 'Run sweep' });
  await expect(run).toBeEnabled();
  await expect(run).toBeInViewport();
  await shot(page, 'lab-phone-top');
  // Down to the end of the settings form (the last field), and further down the page.
  await page.locator('.side input:visible, .side select:visible').last().scrollIntoViewIfNeeded();
  await expect(run).toBeInViewport();
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(run).toBeInViewport();
  await shot(page, 'lab-phone-scrolled');
  expect(pageErrors(page)).toEqual([]);
});
