/** Verify transfer at a target width: a small LR sweep there, drawn dashed, exported and imported. */
import { expect, test } from '@playwright/test';
import {
  durationSeconds,
  exportJson,
  openLab,
  pageErrors,
  shotOf,
  startTinySweep,
  withinLoosely,
} from './lab-helpers';

test('Verify trains 5 LRs at the target width, draws them dashed and exports them', async ({
  page,
}, testInfo) => {
  test.setTimeout(360_000);
  await openLab(page);
  // Tiny with 4 steps a run: the sweep and the verification stay quick on a CPU adapter.
  await startTinySweep(page, 4);
  await expect(page.getByTestId('sweep-status')).toContainText('Completed', { timeout: 150_000 });

  // Target width 32 (Home: 16, Page Up: the first stop at or above 32).
  const target = page.locator('section.target');
  const slider = target.getByRole('slider', { name: 'Target width' });
  await slider.focus();
  await slider.press('Home');
  await slider.press('PageUp');
  await expect(target.locator('output')).toHaveText(/^32\b/);

  const verify = target.getByRole('button', { name: /Verify/ });
  await expect(verify).toHaveText('Verify transfer at width 32');
  // The sweep measured its step times, so the button says what the verification costs.
  await expect(target).toContainText('(20 runs, about');
  await expect(target.getByTestId('verify-estimate')).toBeVisible();
  // Cancel stops it between stacks and says so; Verify again trains only what is missing.
  await verify.click();
  await expect(target.getByRole('progressbar', { name: /Verification at width 32/ })).toBeVisible();
  await expect(verify).toBeDisabled();
  // Tiny's runs are short: the verification may end before the click lands (then the button is
  // gone and there is nothing to cancel), or before the cancel reaches the worker.
  const cancel = target.getByRole('button', { name: 'Cancel verification' });
  await cancel.click({ timeout: 10_000 }).catch(async (e: unknown) => {
    if (await cancel.isVisible()) throw e;
  });
  const report = target.getByTestId('verify-report');
  const cancelled = target.getByRole('alert');
  await expect(cancelled.or(report).first()).toBeVisible();
  await expect(verify).toBeEnabled();
  if (await cancelled.isVisible()) {
    await expect(cancelled).toContainText(/Verification cancelled after \d+ runs/);
    await verify.click();
  }

  await expect(report).toContainText('Transfer verified at width 32', { timeout: 200_000 });
  for (const [p, label] of [
    ['sp', 'SP'],
    ['mup', 'µP'],
  ]) {
    await expect(report).toContainText(
      new RegExp(
        `${label} width 32: predicted log2 learning rate -?\\d+\\.\\d\\d.*; (penalty of using the prediction \\d+\\.\\d{3} nats|the predicted value diverged)`,
      ),
    );
    const chart = page.getByTestId(`chart-${p}`);
    await expect(chart.getByTestId('verify-curve')).toHaveCount(1);
    await expect(chart.getByTestId('verify-predicted')).toHaveCount(1);
    await expect(chart.locator('.verify-line')).toHaveAttribute('stroke-dasharray', '3 3');
    await expect(page.getByTestId(`verify-legend-${p}`)).toContainText('Verification at width 32');
  }
  await shotOf(page.getByRole('region', { name: 'Transfer', exact: true }), 'lab-verify');

  // The Sweeps list says this sweep has a verification.
  await expect(page.getByTestId('sweep-verified').first()).toContainText('verified at width 32');

  // Export: `verification` with the predicted and observed optimum, the penalty and the runs.
  const exportPanel = page.locator('section.panel.export');
  const { path, doc } = await exportJson(page, testInfo);
  const v = doc.verification;
  expect(v?.width).toBe(32);
  expect(v?.results.map((r) => r.parametrization).sort()).toEqual(['mup', 'sp']);
  for (const r of v?.results ?? []) expect(r.runs).toHaveLength(10); // 5 learning rates × Tiny's 2 seeds

  // Import it back (a new entry of the Sweeps list): the dashed curve and the report return.
  await exportPanel.getByLabel('Import JSON').setInputFiles(path);
  await expect(exportPanel.locator('p.export-status')).toContainText('Imported');
  for (const p of ['sp', 'mup']) {
    await expect(page.getByTestId(`chart-${p}`).getByTestId('verify-curve')).toHaveCount(1);
  }
  await expect(report).toContainText('Transfer verified at width 32');
  await expect(page.getByTestId('sweep-verified')).toHaveCount(2);

  // At width 64 its cost estimate (from the sweep's own step times) against the time it takes.
  await slider.focus();
  await slider.press('PageUp');
  await expect(target.locator('output')).toHaveText(/^64\b/);
  await expect(verify).toHaveText('Verify transfer at width 64');
  const estimated = durationSeconds(await target.getByTestId('verify-estimate').innerText());
  const start = Date.now();
  await verify.click();
  await expect(report).toContainText('Transfer verified at width 64', { timeout: 200_000 });
  const actual = (Date.now() - start) / 1000;
  testInfo.annotations.push({
    type: 'verify at 64',
    description: `estimated ${estimated} s, took ${actual.toFixed(1)} s`,
  });
  withinLoosely(estimated, actual, 'the estimate of Verify at width 64');
  expect(pageErrors(page)).toEqual([]);
});
