#!/usr/bin/env node
// Regenerates docs/screenshot.png, the README's picture: the built page (`npm run build` first)
// in the system Chromium on WebGPU (SwiftShader where there is no GPU), after a sweep of the
// current Tiny preset, full page at 1280 px wide. Prints how long the sweep took in the page.
//   node scripts/screenshot.mjs         (npm run screenshot; CHROMIUM_PATH picks the browser)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumPath, QUIET_FLAGS, WEBGPU_FLAGS } from './chromium.mjs';
import { writeAtomically } from './atomic.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'screenshot.png');
if (!existsSync(join(root, 'dist', 'app', 'index.html'))) {
  console.error('screenshot: the page is not built yet; run `npm run build` first.');
  process.exit(2);
}
const args = [...QUIET_FLAGS, ...WEBGPU_FLAGS];

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForServer(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms / 1000} s`);
}

/** Waits until both charts (SP and µP) have drawn a line. */
async function chartsDrawn(page) {
  for (const p of ['sp', 'mup']) {
    await page
      .getByTestId(`chart-${p}`)
      .locator('path.recharts-line-curve')
      .first()
      .waitFor({ timeout: 120_000 });
  }
}

const port = await freePort();
const url = `http://127.0.0.1:${port}/`;
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const server = spawn(
  process.execPath,
  [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
  { cwd: root, stdio: 'ignore' },
);
let browser;
try {
  await waitForServer(url, 60_000);
  browser = await chromium.launch({ executablePath: chromiumPath, args });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.getByTestId('adapter').waitFor({ timeout: 120_000 });
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  const run = page.getByRole('button', { name: 'Run sweep' });
  await page.waitForFunction(
    () => !document.querySelector('.panel.run button')?.hasAttribute('disabled'),
    undefined,
    { timeout: 120_000 },
  );
  const started = Date.now();
  await run.click();
  await page
    .getByTestId('sweep-status')
    .filter({ hasText: 'Completed' })
    .waitFor({ timeout: 900_000 });
  const seconds = (Date.now() - started) / 1000;
  // The slider at the base width highlights its line in both charts, as in the README.
  const slider = page.getByRole('slider', { name: 'Target width' });
  await slider.focus();
  await slider.press('Home');
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  // The charts draw once the analysis is done and their containers are measured.
  await chartsDrawn(page);
  // The whole page in one viewport (a fullPage capture resizes the viewport while it shoots,
  // and the charts' containers can be caught re-measuring), then the charts drawn again.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height });
  await page.waitForTimeout(2000);
  await chartsDrawn(page);
  writeAtomically(out, await page.screenshot());
  const adapter = (await page.getByTestId('adapter').textContent())?.trim();
  console.error(
    `screenshot: wrote ${out}; the Tiny sweep took ${seconds.toFixed(1)} s in the page (${adapter})`,
  );
} finally {
  await browser?.close();
  server.kill();
}
