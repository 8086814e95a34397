import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { openLab, pageErrors } from './lab-helpers';

test('Benchmark this GPU measures matmul and training, estimates the presets and exports JSON', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openLab(page);
  await expect(page.getByTestId('selftest-summary')).toHaveText(/kernels passed/);
  const panel = page.getByTestId('gpu-bench');
  await panel.getByRole('button', { name: 'Benchmark this GPU' }).click();
  await expect(page.getByTestId('gpu-bench-progress')).toContainText('matmul 1024³');

  const number = /(\d+(\.\d+)?)/;
  await expect(page.getByTestId('gpu-bench-matmul-2048')).toContainText('GFLOP/s', {
    timeout: 180_000,
  });
  await expect(page.getByTestId('gpu-bench-train-512')).toContainText('tokens/s', {
    timeout: 180_000,
  });
  for (const id of ['matmul-1024', 'matmul-2048', 'train-32', 'train-128', 'train-512']) {
    const text = await page.getByTestId(`gpu-bench-${id}`).innerText();
    expect(Number(number.exec(text.split('\t')[1] ?? text)?.[1]), text).toBeGreaterThan(0);
  }
  for (const p of ['tiny', 'quick', 'paper']) {
    await expect(page.getByTestId(`gpu-bench-preset-${p}`)).toContainText('about');
  }
  // The measured rates feed the sweep's cost estimate, and the form (Tiny) and the panel's Tiny
  // row give the same figure: one function, one set of rates.
  await expect(page.getByTestId('estimate')).toContainText('on this adapter');
  await expect(page.getByLabel('Preset')).toHaveValue('tiny');
  const formTime = await page.getByTestId('estimate-time').innerText();
  await expect(page.getByTestId('gpu-bench-preset-tiny')).toContainText(`about ${formTime}`);

  const download = page.waitForEvent('download');
  await panel.getByRole('button', { name: 'Export benchmark JSON' }).click();
  const doc = JSON.parse(await readFile((await (await download).path())!, 'utf8'));
  expect(doc.format).toBe('mup-lab/gpu-bench');
  expect(doc.adapterInfo.architecture).toBe('swiftshader');
  expect(doc.matmul.map((m: { size: number }) => m.size)).toEqual([1024, 2048]);
  for (const m of doc.matmul) expect(m.gflops).toBeGreaterThan(0);
  expect(doc.train.map((t: { width: number }) => t.width)).toEqual([32, 128, 512]);
  for (const t of doc.train) expect(t.tokensPerSec).toBeGreaterThan(0);
  for (const p of ['tiny', 'quick', 'paper']) expect(doc.presetSeconds[p]).toBeGreaterThan(0);
  expect(pageErrors(page)).toEqual([]);
});

test('Benchmark this GPU can be cancelled', async ({ page }) => {
  await openLab(page);
  await expect(page.getByTestId('selftest-summary')).toHaveText(/kernels passed/);
  const panel = page.getByTestId('gpu-bench');
  await panel.getByRole('button', { name: 'Benchmark this GPU' }).click();
  await expect(page.getByTestId('gpu-bench-progress')).toBeVisible();
  await panel.getByRole('button', { name: 'Cancel benchmark' }).click();
  await expect(page.getByTestId('gpu-bench-error')).toHaveText('GPU benchmark cancelled', {
    timeout: 60_000,
  });
  await expect(panel.getByRole('button', { name: 'Benchmark this GPU' })).toBeEnabled();
  expect(pageErrors(page)).toEqual([]);
});
