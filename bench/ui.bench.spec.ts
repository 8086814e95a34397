/**
 * How the page answers under load, on the built page in Chromium (bench/playwright.ui.config.ts):
 * key-press-to-render latency of the Target width slider and frames per second, (1) during a
 * 3-width × 2-seed Tiny sweep on this machine's adapter, (2) during a flood of finished runs
 * injected as a fast GPU would send them (the ?test-hooks flood of app/testFlood.ts).
 * Options (environment): MUP_BENCH_UI_SWEEP_S (seconds of the sweep measured, default 60),
 * MUP_BENCH_UI_FLOOD_S (default 10), MUP_BENCH_UI_RATE (runs a second, default 1000),
 * MUP_BENCH_OUT (the JSON file; default bench-results/ui-<date>.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const SWEEP_S = Number(process.env.MUP_BENCH_UI_SWEEP_S ?? 60);
const FLOOD_S = Number(process.env.MUP_BENCH_UI_FLOOD_S ?? 10);
const RATE = Number(process.env.MUP_BENCH_UI_RATE ?? 1000);

interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

function summary(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  const r = (v: number) => Number(v.toFixed(1));
  return { n: s.length, p50: r(at(0.5)), p95: r(at(0.95)), max: r(s[s.length - 1] ?? NaN) };
}

/** Starts recording frame times and the slider's key-to-render latencies in the page. */
async function startRecording(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as {
      __bench: { frames: number[]; latencies: number[]; on: boolean };
    };
    w.__bench = { frames: [], latencies: [], on: true };
    const frame = (t: number) => {
      if (!w.__bench.on) return;
      w.__bench.frames.push(t);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const slider = document.querySelector<HTMLInputElement>('.width-slider input[type=range]');
    const shown = document.querySelector('.width-slider-value');
    if (!slider || !shown) throw new Error('no Target width slider on the page');
    slider.addEventListener(
      'keydown',
      (e) => {
        // From the key event's own time stamp (when the browser got it) to the first frame
        // after the shown width changed: the wait for the main thread included.
        const t0 = e.timeStamp;
        const seen = new MutationObserver(() => {
          seen.disconnect();
          requestAnimationFrame(() => w.__bench.latencies.push(performance.now() - t0));
        });
        seen.observe(shown, { childList: true, subtree: true, characterData: true });
      },
      { capture: true },
    );
  });
}

async function stopRecording(page: Page): Promise<{ frames: number[]; latencies: number[] }> {
  return page.evaluate(() => {
    const w = window as unknown as {
      __bench: { frames: number[]; latencies: number[]; on: boolean };
    };
    w.__bench.on = false;
    return { frames: w.__bench.frames, latencies: w.__bench.latencies };
  });
}

/** Presses the slider's arrow keys (alternating, so the width always changes) for `seconds`. */
async function pressKeys(
  page: Page,
  seconds: number,
  until?: () => Promise<boolean>,
): Promise<void> {
  const slider = page.getByRole('slider', { name: 'Target width' });
  await slider.focus();
  const end = Date.now() + seconds * 1000;
  let i = 0;
  while (Date.now() < end) {
    if (until && (await until())) break;
    await page.keyboard.press(i++ % 2 === 0 ? 'ArrowRight' : 'ArrowLeft');
    await page.waitForTimeout(400);
  }
}

function figures(rec: { frames: number[]; latencies: number[] }) {
  const gaps = rec.frames.slice(1).map((t, i) => t - rec.frames[i]);
  const span = (rec.frames.at(-1)! - rec.frames[0]) / 1000;
  return {
    keyToRenderMs: summary(rec.latencies),
    frameIntervalMs: summary(gaps),
    fps: Number(((rec.frames.length - 1) / span).toFixed(1)),
  };
}

test('UI latency and frame rate during a sweep and a flood of finished runs', async ({ page }) => {
  await page.goto('/?test-hooks');
  await expect(page.getByTestId('data-status')).toContainText('Vocabulary', { timeout: 120_000 });
  const adapter = (await page.getByTestId('adapter').textContent())?.trim() ?? '';
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  await page.getByLabel('Widths').fill('16, 32, 64');
  await page.getByLabel('Seeds').fill('0, 1');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Running');
  const total = Number(
    await page.getByRole('progressbar', { name: 'Sweep progress' }).getAttribute('aria-valuemax'),
  );

  await startRecording(page);
  const t0 = Date.now();
  await pressKeys(
    page,
    SWEEP_S,
    async () => !(await page.getByTestId('sweep-status').textContent())?.includes('Running'),
  );
  const sweepRec = await stopRecording(page);
  const sweepSeconds = (Date.now() - t0) / 1000;
  const finished = Number(
    await page.getByRole('progressbar', { name: 'Sweep progress' }).getAttribute('aria-valuenow'),
  );
  const cancel = page.getByRole('button', { name: 'Cancel' });
  if (await cancel.isEnabled()) await cancel.click();
  await expect(page.getByTestId('sweep-status')).not.toContainText('Running', { timeout: 120_000 });

  await startRecording(page);
  const flood = page.evaluate(
    ([rate, s]) =>
      (
        window as unknown as { __mupLab: { flood(r: number, s: number): Promise<void> } }
      ).__mupLab.flood(rate, s),
    [RATE, FLOOD_S] as const,
  );
  await pressKeys(page, FLOOD_S);
  await flood;
  const floodRec = await stopRecording(page);
  const floodRuns = Number(
    await page.getByRole('progressbar', { name: 'Sweep progress' }).getAttribute('aria-valuenow'),
  );

  const result = {
    date: new Date().toISOString(),
    adapter,
    sweep: {
      config: 'Tiny, widths 16, 32, 64, seeds 0, 1',
      runs: total,
      finishedWhileMeasured: finished,
      seconds: Number(sweepSeconds.toFixed(1)),
      ...figures(sweepRec),
    },
    flood: {
      runsPerSecond: RATE,
      seconds: FLOOD_S,
      runsShown: floodRuns,
      ...figures(floodRec),
    },
  };
  const out = resolve(
    process.env.MUP_BENCH_OUT ??
      `bench-results/ui-${result.date.slice(0, 19).replace(/:/g, '')}.json`,
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, JSON.stringify(result, null, 2));
  (await import('node:fs')).renameSync(`${out}.tmp`, out);
  console.log(JSON.stringify(result, null, 2));
  console.log(`written to ${out}`);
});
