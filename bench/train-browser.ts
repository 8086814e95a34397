/**
 * `npm run bench -- train --browser`: the training benchmark in Chromium. Serves the bench page
 * (bench/web, its own Vite config, not part of the app's build) with Vite's dev server, opens it
 * in the system Chromium with the e2e tests' flags (playwright.config.ts: WebGPU on SwiftShader
 * where there is no GPU), and waits for the page's result: the same engines, model and
 * interleaved measurement as the Node run, whose figures go beside it in one JSON.
 */
import { chromium, type LaunchOptions } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import e2eConfig from '../playwright.config';
import type { TrainBenchOptions } from './train';

/** The e2e tests' launch options for the WebGPU project (system Chromium and its flags). */
export function webgpuLaunchOptions(): LaunchOptions {
  const project = e2eConfig.projects?.find((p) => p.name === 'webgpu');
  const launch = project?.use?.launchOptions;
  if (!launch) throw new Error('playwright.config.ts has no webgpu project with launchOptions');
  return launch;
}

/** Runs the page and resolves to its JSON document (throws with the page's error). */
export async function runTrainBrowser(
  opts: TrainBenchOptions,
  log: (s: string) => void = (s) => console.log(s),
): Promise<Record<string, unknown>> {
  const server = await createServer({
    configFile: fileURLToPath(new URL('./web/vite.config.ts', import.meta.url)),
    server: { port: 0 },
  });
  await server.listen();
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error('bench page: Vite gave no local URL');
  const launch = webgpuLaunchOptions();
  const browser = await chromium.launch(launch);
  try {
    const page = await browser.newPage();
    page.on('console', (m) => log(`[page] ${m.text()}`));
    page.on('pageerror', (e) => log(`[page error] ${e.message}`));
    const q = new URLSearchParams();
    if (opts.quick) q.set('quick', '1');
    if (opts.widths) q.set('widths', opts.widths.join(','));
    if (opts.stacks) q.set('stacks', opts.stacks.join(','));
    if (!opts.tfjs) q.set('tfjs', '0');
    if (!opts.jaxjs) q.set('jaxjs', '0');
    await page.goto(`${base}?${q}`);
    await page.waitForFunction(() => window.__trainBench !== undefined, null, { timeout: 120_000 });
    const doc = (await page.evaluate(() => window.__trainBench)) as Record<string, unknown>;
    if (typeof doc.error === 'string') throw new Error(`bench page: ${doc.error}`);
    return {
      ...doc,
      browser: { executable: launch.executablePath ?? 'playwright', version: browser.version() },
      launchArgs: launch.args ?? [],
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
