/**
 * SGD and Muon in the page. Muon: the "Tiny, Muon" preset sets the optimizer and its fields, bad momentum and
 * Newton-Schulz steps are named under their fields, a small Muon sweep trains to finite losses,
 * the per-tensor table gives Muon to the hidden matrices and AdamW to the rest, and the export
 * carries the optimizer with its momentum and step count.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { preset } from '../src/sweep/config';
import { exportJson, openLab, pageErrors, shotOf } from './lab-helpers';

const MUON = preset('tiny-muon');
const SGD = preset('tiny-sgd');

/** The one-line error under a form field, and that the sweep cannot start meanwhile. */
async function expectFieldError(page: Page, label: string, bad: string, message: string) {
  const input = page.getByLabel(label, { exact: true });
  const good = await input.inputValue();
  await input.fill(bad);
  await expect(page.locator('.field').filter({ has: input }).getByRole('alert')).toHaveText(
    message,
  );
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeDisabled();
  await input.fill(good);
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
}

/** Per tensor group, the table's "update" cells in column order (SP, then µP). */
async function updateCells(page: Page): Promise<Record<string, string[]>> {
  const table = page.getByRole('table', { name: 'Transferred hyperparameters' });
  return table.evaluate((el) =>
    Object.fromEntries(
      [...el.querySelectorAll('tr[data-group]')].map((tr) => [
        (tr as HTMLElement).dataset.group ?? '',
        [...tr.querySelectorAll('td')]
          .map((td) => (td.textContent ?? '').trim())
          .filter((t) => /^(Muon ×|AdamW$)/.test(t)),
      ]),
    ),
  );
}

/** The preset's model and optimizer at width 16, one seed, three learning rates, 4 steps. */
async function trainSmall(page: Page, log2From: number) {
  await page.getByLabel('Widths').fill('16');
  await page.getByLabel('Seeds', { exact: true }).fill('0');
  await page.getByLabel('log2 from', { exact: true }).fill(String(log2From));
  await page.getByLabel('to', { exact: true }).fill(String(log2From + 2));
  await page.getByLabel('Steps', { exact: true }).fill('4');
  await expect(page.getByTestId('estimate')).toContainText('6 runs');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Completed', { timeout: 180_000 });
  for (const p of ['sp', 'mup'])
    await expect(page.getByTestId(`chart-${p}`)).toContainText('3 runs finished');
}

/** The export of the sweep just trained, every run of it finite. */
async function exportFinite(page: Page, testInfo: TestInfo) {
  const { doc } = await exportJson(page, testInfo);
  expect(doc.evidence.runs).toHaveLength(6);
  for (const r of doc.evidence.runs) {
    expect(r.diverged, `run ${r.id}`).toBe(false);
    expect(Number.isFinite(r.finalLoss), `run ${r.id}: ${r.finalLoss}`).toBe(true);
    expect(r.losses.every(Number.isFinite), `run ${r.id}`).toBe(true);
  }
  return doc;
}

test('a Muon sweep trains in the page: Muon on the hidden matrices, AdamW on the rest, in the export', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  await openLab(page);
  await page.getByLabel('Preset').selectOption({ label: 'Tiny, Muon' });
  await expect(page.getByLabel('Optimizer', { exact: true })).toHaveValue('muon');
  await expect(page.getByLabel('Momentum', { exact: true })).toHaveValue(String(MUON.hp.momentum));
  await expect(page.getByLabel('Newton-Schulz steps', { exact: true })).toHaveValue(
    String(MUON.hp.nsSteps),
  );

  // Bad input: one line naming the field, and no sweep.
  await expectFieldError(page, 'Momentum', '1', 'Momentum must be in [0, 1) (got 1)');
  await expectFieldError(
    page,
    'Newton-Schulz steps',
    '0',
    'Newton-Schulz steps must be an integer >= 1 (got 0)',
  );

  await trainSmall(page, -5);

  // The per-tensor table: Muon's update (with its scale) on q, k, v, attention output and the
  // MLP; AdamW on the embeddings, gains and readout. µP-Muon's √(fan_out/fan_in) does not
  // depend on the width: 1 on the square matrices, 2 on MLP in (d → 4d), 0.5 on MLP out.
  await expect(page.getByTestId('transfer-optimizer').first()).toHaveText('Muon');
  const updates = await updateCells(page);
  for (const group of ['tok_emb', 'pos_emb', 'gains', 'readout'])
    expect(updates[group], group).toEqual(['AdamW', 'AdamW']);
  const muPScale = { qkv: '1', attn_out: '1', mlp_in: '2', mlp_out: '0.5' };
  for (const [group, scale] of Object.entries(muPScale)) {
    const [sp, mup] = updates[group];
    expect(mup, group).toBe(`Muon ×${scale}`);
    // SP-Muon's 0.2·√max(fan_in, fan_out) at the target width: another number.
    expect(sp, group).toMatch(/^Muon ×\d/);
    expect(sp, group).not.toBe(mup);
  }
  await shotOf(
    page.getByRole('table', { name: 'Transferred hyperparameters' }),
    'lab-muon-transfer-table',
  );

  // The export: every run finite, the optimizer Muon with its momentum and step count.
  const doc = await exportFinite(page, testInfo);
  expect(doc.hyperparameters).toMatchObject({
    optimizer: 'muon',
    momentum: MUON.hp.momentum,
    nsSteps: MUON.hp.nsSteps,
  });
  expect(doc.target.optimizer).toMatchObject({
    name: 'muon',
    momentum: MUON.hp.momentum,
    nsSteps: MUON.hp.nsSteps,
  });
  expect(pageErrors(page)).toEqual([]);
});

test('an SGD sweep trains in the page (MuSGD under µP) and the export carries its momentum', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  await openLab(page);
  await page.getByLabel('Preset').selectOption({ label: 'Tiny, SGD' });
  await expect(page.getByLabel('Optimizer', { exact: true })).toHaveValue('sgd');
  await expect(page.getByLabel('Momentum', { exact: true })).toHaveValue(String(SGD.hp.momentum));
  await trainSmall(page, -4);
  await expect(page.getByTestId('transfer-optimizer').first()).toHaveText('SGD (momentum)');
  const doc = await exportFinite(page, testInfo);
  expect(doc.hyperparameters).toMatchObject({ optimizer: 'sgd', momentum: SGD.hp.momentum });
  expect(doc.target.optimizer).toMatchObject({ name: 'sgd', momentum: SGD.hp.momentum });
  expect(pageErrors(page)).toEqual([]);
});
