import { expect, test } from '@playwright/test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLab, shot } from './lab-helpers';

test('invalid settings get a message next to the field and disable Run', async ({ page }) => {
  await openLab(page);
  const run = page.getByRole('button', { name: 'Run sweep' });
  await expect(run).toBeEnabled();

  const steps = page.getByLabel('Steps', { exact: true });
  await steps.fill('0');
  const stepsField = page.locator('.field').filter({ has: steps });
  await expect(stepsField.getByRole('alert')).toContainText('Steps must be an integer');
  await expect(steps).toHaveAttribute('aria-invalid', 'true');
  await expect(run).toBeDisabled();
  await expect(page.getByLabel('Preset')).toHaveValue('custom');
  await steps.fill('12');
  await expect(run).toBeEnabled();

  const widths = page.getByLabel('Widths');
  await widths.fill('16, abc');
  await expect(page.locator('.field').filter({ has: widths }).getByRole('alert')).toContainText(
    'widths must be an integer',
  );
  await expect(run).toBeDisabled();

  // A width beyond this adapter's buffer limits is refused before anything is allocated.
  await page.getByLabel('Attention').selectOption({ label: 'Fixed head size' });
  await widths.fill('16, 8192');
  await page.getByLabel('Batch').fill('1024');
  await page.getByLabel('Context (tokens)').fill('512');
  await expect(page.locator('.field').filter({ has: widths }).getByRole('alert')).toContainText(
    /limit; the largest width that fits is \d+|no width fits/,
  );
  await expect(run).toBeDisabled();
  await shot(page, 'lab-invalid');

  // Presets replace everything.
  await page.getByLabel('Preset').selectOption({ label: 'Paper-like' });
  await expect(widths).toHaveValue('128, 256, 512, 1024, 2048');
  await expect(page.getByTestId('estimate')).toContainText('PFLOP');
  await page.getByLabel('Preset').selectOption({ label: 'Quick' });
  await expect(page.getByTestId('estimate')).toContainText('108 runs');
  await expect(run).toBeEnabled();
});

test('a .txt file becomes the corpus, with its size and characters shown; a binary file is refused', async ({
  page,
}) => {
  await openLab(page);
  const text = 'the quick brown fox jumps over the lazy dog.\n'.repeat(60);
  await page.getByLabel('Open a .txt file').setInputFiles({
    name: 'fox.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from(text),
  });
  await expect(page.getByTestId('text-info')).toContainText('fox.txt');
  await expect(page.getByTestId('text-info')).toContainText('2,700 characters');
  await expect(page.getByTestId('text-info')).toContainText('29 distinct');
  await expect(page.getByTestId('data-status')).toContainText('Vocabulary 29');
  await expect(page.getByRole('radio', { name: 'Your text' })).toBeChecked();

  await page.getByLabel('Open a .txt file').setInputFiles({
    name: 'image.png',
    mimeType: 'image/png',
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]),
  });
  await expect(page.getByTestId('text-drop').getByRole('alert')).toContainText('binary');
  // The refused file does not replace the good one.
  await expect(page.getByTestId('text-info')).toContainText('fox.txt');

  // Too short for the context: the worker's check is shown next to the data.
  await page.getByLabel('Context (tokens)').fill('512');
  await expect(page.getByTestId('data-error')).toContainText('needs at least');
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeDisabled();
  await page.getByLabel('Context (tokens)').fill('16');
  await expect(page.getByTestId('data-status')).toContainText('Vocabulary 29');

  await page.getByRole('radio', { name: 'Synthetic corpus' }).check();
  await expect(page.getByTestId('data-status')).toContainText('Vocabulary 40');

  // Tiny Shakespeare: the worker fetches it from this origin (checksum checked) when chosen.
  await page.getByRole('radio', { name: 'Tiny Shakespeare' }).check();
  await expect(page.getByTestId('data-status')).toContainText(
    'Vocabulary 65 characters · 1,115,394 tokens · Tiny Shakespeare',
  );
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
});

test('Tiny Shakespeare is a static asset of its own, in no JS bundle', () => {
  const assets = join(process.cwd(), 'dist', 'app', 'assets');
  const files = readdirSync(assets);
  expect(files.filter((f) => /^tinyshakespeare.*\.txt$/.test(f))).toHaveLength(1);
  for (const f of files.filter((f) => f.endsWith('.js'))) {
    expect(readFileSync(join(assets, f), 'utf8')).not.toContain('First Citizen');
  }
});

test('the Optimizer select shows each optimizer’s own fields; a bad momentum is named', async ({
  page,
}) => {
  await openLab(page);
  const run = page.getByRole('button', { name: 'Run sweep' });
  const optimizer = page.getByLabel('Optimizer', { exact: true });
  await expect(optimizer).toHaveValue('adamw');
  await expect(page.getByLabel('Adam β1')).toBeVisible();
  await expect(page.getByLabel('Momentum')).toHaveCount(0);
  await optimizer.selectOption({ label: 'SGD (momentum)' });
  await expect(page.getByLabel('Adam β1')).toHaveCount(0);
  const momentum = page.getByLabel('Momentum');
  await expect(momentum).toHaveValue('0.9');
  await momentum.fill('1');
  await expect(page.locator('.field').filter({ has: momentum }).getByRole('alert')).toHaveText(
    'Momentum must be in [0, 1) (got 1)',
  );
  await expect(run).toBeDisabled();
  await momentum.fill('0.8');
  await expect(run).toBeEnabled();
  // The per-tensor table names the optimizer its learning rates come from.
  await expect(page.getByTestId('transfer-optimizer').first()).toHaveText('SGD (momentum)');
  // Muon brings its own defaults (momentum 0.95, 5 Newton-Schulz steps) unless one was chosen.
  await momentum.fill('0.9');
  await optimizer.selectOption('muon');
  await expect(page.getByLabel('Momentum')).toHaveValue('0.95');
  await expect(page.getByLabel('Newton-Schulz steps')).toHaveValue('5');
  await page.getByLabel('Momentum').fill('0.8');
  await optimizer.selectOption('sgd');
  await expect(page.getByLabel('Momentum')).toHaveValue('0.8');
});
