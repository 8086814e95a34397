import { expect, test } from '@playwright/test';
import {
  openLab,
  pageErrors,
  progressBar,
  shot,
  startTinySweep,
  TINY,
  TINY_RUNS,
  TINY_RUNS_EACH,
  TINY_TIMEOUT,
  TINY_WIDEST,
} from './lab-helpers';

test('the Tiny preset sweep runs to completion with a line per width for SP and µP', async ({
  page,
}) => {
  test.setTimeout(TINY_TIMEOUT + 120_000);
  await openLab(page);
  await expect(page.getByLabel('Preset')).toHaveValue('tiny');
  await expect(page.getByTestId('estimate')).toContainText(`${TINY_RUNS} runs`);
  await expect(page.getByTestId('selftest-summary')).toHaveText(/kernels passed/);
  await shot(page, 'lab-configure');

  await startTinySweep(page);
  await expect(progressBar(page)).toHaveAttribute('aria-valuemax', String(TINY_RUNS));
  const started = Date.now();
  await expect(page.getByTestId('runs-in-flight')).toBeVisible();
  await expect(page.getByTestId('live-chart')).toBeVisible();
  await shot(page, 'lab-running');

  await expect(page.getByTestId('sweep-status')).toContainText('Completed', {
    timeout: TINY_TIMEOUT,
  });
  test.info().annotations.push({
    type: 'Tiny sweep seconds',
    description: ((Date.now() - started) / 1000).toFixed(1),
  });
  await expect(progressBar(page)).toHaveAttribute('aria-valuenow', String(TINY_RUNS));
  // The first sweep on this adapter timed the kernel variants; the self-test panel lists them.
  await expect(page.getByTestId('tuning-status')).toContainText('shapes tuned just now');
  await expect(page.getByTestId('tuning-row')).not.toHaveCount(0);

  for (const p of ['sp', 'mup']) {
    const chart = page.getByTestId(`chart-${p}`);
    await expect(chart).toContainText(`${TINY_RUNS_EACH} runs finished`);
    for (const w of TINY.widths) {
      // A line per width, or the × of a width whose every run diverged: never a silent gap.
      const line = chart.locator(`.recharts-line.line-w${w} path.recharts-line-curve`);
      const diverged = chart.locator(`.diverged-w${w}`);
      expect((await line.count()) + (await diverged.count())).toBeGreaterThan(0);
      await expect(chart.getByTestId(`legend-w${w}`)).toBeVisible();
    }
    await expect(chart.locator('.recharts-line')).toHaveCount(TINY.widths.length);
    await expect(chart.getByTestId('optimum-marker')).not.toHaveCount(0);
    await expect(page.getByTestId(`verdict-${p}`)).toContainText(/optimum|diverg/);
    // The transfer metrics beside the verdict: drift per doubling and the penalty at the widest.
    await expect(page.getByTestId(`metrics-${p}`)).toContainText(
      new RegExp(
        `drift -?\\d+\\.\\d\\d( ± \\d+\\.\\d\\d)? octaves per width doubling; (penalty at width ${TINY_WIDEST}: \\d\\.\\d{3}( ± \\d\\.\\d{3})? nats|the width-16 optimum diverges at width ${TINY_WIDEST})`,
      ),
    );
    // Tiny's grid brackets every optimum.
    await expect(page.getByTestId(`verdict-${p}`)).not.toContainText('grid edge');
  }
  // Transfer across → training length: the same runs after a quarter, half and all of the steps
  // at the widest width.
  const steps = TINY.train.steps;
  const horizon = page.getByTestId('horizon');
  await expect(horizon).toContainText('Transfer across → training length');
  await expect(horizon).toContainText(`after ${steps / 4}, ${steps / 2}, ${steps} steps`);
  for (const p of ['sp', 'mup']) {
    const chart = horizon.getByTestId(`horizon-chart-${p}`);
    await expect(chart.locator('.recharts-line')).toHaveCount(3);
    await expect(horizon.getByTestId(`horizon-verdict-${p}`)).toContainText(
      `from steps ${steps / 4} to ${steps}`,
    );
    await expect(horizon.getByTestId(`horizon-metrics-${p}`)).toContainText(
      /octaves per steps doubling/,
    );
  }
  // Diverged runs show as such, never as a number that is not one.
  await expect(page.locator('.charts')).toHaveCount(2); // transfer, and its horizon view
  for (const charts of await page.locator('.charts').all())
    await expect(charts).not.toContainText('NaN');
  await expect(page.locator('.run')).not.toContainText('NaN');
  await expect(page.getByTestId('estimate')).toContainText('on this adapter');
  // The Target width slider at a trained width highlights that width's line in both charts.
  const slider = page.getByLabel('Target width');
  await slider.focus();
  await slider.press('Home'); // the smallest trained width, 16
  for (const p of ['sp', 'mup']) {
    const chart = page.getByTestId(`chart-${p}`);
    const curve = (w: number) =>
      chart.locator(`.recharts-line.line-w${w} path.recharts-line-curve`);
    await expect(curve(16)).toHaveAttribute('stroke-width', '4');
    await expect(curve(32)).toHaveAttribute('stroke-opacity', '0.35');
  }
  await page.getByTestId('chart-mup').scrollIntoViewIfNeeded();
  await shot(page, 'lab-completed');
  await slider.press('End'); // 16384 was not trained: no highlight
  await expect(
    page.getByTestId('chart-mup').locator('.recharts-line.line-w16 path.recharts-line-curve'),
  ).toHaveAttribute('stroke-width', '2');
  // The same page in the system's dark theme.
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'lab-completed-dark');
  expect(pageErrors(page)).toEqual([]);
});
