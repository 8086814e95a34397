/**
 * The Content-Security-Policy: in index.html's <meta> and in the preview server's header, no
 * inline script and no eval run, and a whole journey (self-test, Tiny sweep, exports) talks to
 * nobody but the page's own origin, from the page or from its worker.
 */
import { expect, test, type Request } from '@playwright/test';
import { expectTinySweepCompleted, openLab, pageErrors, startTinySweep } from './lab-helpers';

/** Directives both the <meta> and the header must carry, each exactly. */
const REQUIRED = [
  "default-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
];

function directives(policy: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), [name.toLowerCase(), ...values].join(' '));
  }
  return out;
}

function expectStrict(policy: string): void {
  const d = directives(policy);
  for (const r of REQUIRED) expect(d.get(r.split(' ')[0]), policy).toBe(r);
  // Nothing anywhere that would let inline script or eval back in.
  // ('unsafe-inline' only for styles: recharts sets inline style attributes.)
  expect(policy.replace("style-src 'self' 'unsafe-inline'", '')).not.toMatch(
    /unsafe-inline|unsafe-eval|wasm-unsafe-eval|strict-dynamic|\*|https?:/,
  );
  for (const [name, value] of d) {
    if (name === 'img-src') expect(value).toBe("img-src 'self' data: blob:");
  }
}

test('the CSP is in the meta and the header, and blocks inline script and eval', async ({
  page,
}) => {
  const response = await page.goto('/');
  expect(response?.ok()).toBe(true);
  const header = response?.headers()['content-security-policy'] ?? '';
  expectStrict(header);
  expect(header).toContain("frame-ancestors 'none'");
  const meta = await page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content');
  expectStrict(meta ?? '');
  await expect(page.getByTestId('adapter')).toBeVisible();
  // The worker's script comes with the same header (a worker's CSP is its own response's).
  await expect.poll(() => page.workers().length).toBeGreaterThan(0);
  const worker = await page.request.get(page.workers()[0].url());
  expect(worker.ok()).toBe(true);
  expect(worker.headers()['content-security-policy']).toBe(header);

  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) violations.push(m.text());
  });
  const result = await page.evaluate(async () => {
    const w = window as unknown as Record<string, unknown>;
    const s = document.createElement('script');
    s.textContent = 'window.__x=1';
    document.body.append(s);
    // An inline handler too.
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.__y=1');
    img.src = 'data:,nope';
    document.body.append(img);
    await new Promise((r) => setTimeout(r, 300));
    let evalError = '';
    try {
      (0, eval)('window.__z=1');
    } catch (e) {
      evalError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    let fnError = '';
    try {
      new Function('return 1')();
    } catch (e) {
      fnError = e instanceof Error ? e.name : String(e);
    }
    return { x: w.__x, y: w.__y, z: w.__z, evalError, fnError };
  });
  expect(result.x).toBeUndefined();
  expect(result.y).toBeUndefined();
  expect(result.z).toBeUndefined();
  expect(result.evalError).toMatch(/EvalError/);
  expect(result.fnError).toBe('EvalError');
  await expect.poll(() => violations.length).toBeGreaterThan(0);
});

test('a whole journey requests nothing from any other origin, page or worker', async ({
  page,
  context,
  baseURL,
}) => {
  const origin = new URL(baseURL ?? 'http://127.0.0.1:4174').origin;
  const requests: string[] = [];
  const record = (r: Request) => requests.push(r.url());
  context.on('request', record);
  page.on('request', record);
  let workers = 0;
  page.on('worker', (w) => {
    workers++;
    requests.push(w.url());
  });
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) violations.push(m.text());
  });

  await openLab(page);
  await expect(page.getByTestId('selftest-summary')).toHaveText(/All \d+ kernels passed\./, {
    timeout: 120_000,
  });
  await startTinySweep(page);
  await expectTinySweepCompleted(page);

  const exportPanel = page.locator('section.panel.export');
  for (const name of ['Export JSON', 'Download CSV', 'Download chart PNG']) {
    const download = page.waitForEvent('download');
    await exportPanel.getByRole('button', { name }).click();
    const file = await download;
    expect(await file.failure()).toBeNull();
  }
  await exportPanel.getByRole('button', { name: 'Copy PyTorch snippet' }).click();
  await expect(exportPanel.locator('p.export-status')).toContainText(/clipboard/);

  expect(workers).toBeGreaterThan(0);
  expect(requests.length).toBeGreaterThan(0);
  const foreign = requests.filter((url) => {
    const u = new URL(url);
    // data: URLs load nothing; blob: URLs carry the origin that made them.
    if (u.protocol === 'data:') return false;
    if (u.protocol === 'blob:') return new URL(u.pathname).origin !== origin;
    return u.origin !== origin;
  });
  expect(foreign).toEqual([]);
  // The app itself never trips its own policy.
  expect(violations).toEqual([]);
  expect(pageErrors(page)).toEqual([]);
});
