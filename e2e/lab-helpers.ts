/** Shared steps of the lab's end-to-end tests. */
import { expect, type Page } from '@playwright/test';

/** Opens the lab (optionally with a query string) and waits until a sweep can start. */
export async function openLab(page: Page, query = ''): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/${query}`);
  await expect(page.getByTestId('adapter')).toBeVisible();
  await expect(page.getByTestId('data-status')).toContainText('Vocabulary');
  (page as Page & { labErrors?: string[] }).labErrors = errors;
}

/** Uncaught errors of the page since openLab. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { labErrors?: string[] }).labErrors ?? [];
}

export function progressBar(page: Page) {
  return page.getByRole('progressbar', { name: 'Sweep progress' });
}

/** Finished runs, as the progress bar says. */
export async function runsDone(page: Page): Promise<number> {
  return Number(await progressBar(page).getAttribute('aria-valuenow'));
}

export async function runsTotal(page: Page): Promise<number> {
  return Number(await progressBar(page).getAttribute('aria-valuemax'));
}

/** Waits until at least n runs have finished. */
export async function waitForRuns(page: Page, n: number, timeout = 120_000): Promise<void> {
  await expect
    .poll(() => runsDone(page), { timeout, message: `waiting for ${n} finished runs` })
    .toBeGreaterThanOrEqual(n);
}

export async function startTinySweep(page: Page): Promise<void> {
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  const run = page.getByRole('button', { name: 'Run sweep' });
  await expect(run).toBeEnabled();
  await run.click();
  await expect(page.getByTestId('sweep-status')).toContainText('Running');
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: true });
}
