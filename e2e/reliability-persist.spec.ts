/**
 * Autosave under abrupt closes: the page is closed at 20 seeded random moments of a short Tiny
 * sweep and reopened in the same browser context. No finished run is ever lost, the saved value
 * always parses and carries the schema version, and every reopening shows the restored state.
 * Also: a value saved without a schema version (version 0) is migrated, not thrown away.
 */
import { expect, test, type Page } from '@playwright/test';
import { openLab, pageErrors, progressBar, runsDone } from './lab-helpers';

const KEY = 'mup-lab/state';

/** Mulberry32: the same moments on every run of the test. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Stored {
  schema: unknown;
  status: unknown;
  total: unknown;
  ids: string[];
}

/** The saved value in idb-keyval's default store (database keyval-store, store keyval). */
async function stored(page: Page): Promise<Stored | null> {
  return page.evaluate(
    (key) =>
      new Promise<Stored | null>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('keyval')) {
            db.close();
            resolve(null);
            return;
          }
          const req = db.transaction('keyval', 'readonly').objectStore('keyval').get(key);
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            db.close();
            const v = req.result as
              | {
                  schema: unknown;
                  sweep: { status: unknown; total: unknown; records: { id: string }[] };
                }
              | undefined;
            resolve(
              v === undefined
                ? null
                : {
                    schema: v.schema,
                    status: v.sweep.status,
                    total: v.sweep.total,
                    ids: v.sweep.records.map((r) => r.id),
                  },
            );
          };
        };
      }),
    KEY,
  );
}

/** Writes a raw value under the lab's key (the database exists once the lab has opened). */
async function writeRaw(page: Page, value: unknown): Promise<void> {
  await page.evaluate(
    ([key, v]) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('keyval', 'readwrite');
          tx.objectStore('keyval').put(v, key as string);
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    [KEY, value] as const,
  );
}

test('closing the page at 20 random moments of a sweep never loses a finished run', async ({
  context,
}) => {
  test.setTimeout(300_000);
  const random = rng(20250611);
  let page = await context.newPage();
  await openLab(page);
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  // 28 runs of 24 steps, one at a time (widths 16, 32, one seed): long enough that the 20
  // closes spread over the whole sweep, and a run finishes (and is saved) every second or so.
  await page.getByLabel('Widths').fill('16, 32');
  await page.getByLabel('Seeds', { exact: true }).fill('0');
  await page.getByLabel('Runs side by side').fill('1');
  await page.getByLabel('Steps').fill('24');
  await expect(page.getByTestId('estimate')).toContainText('28 runs');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Running');

  let restored = 0;
  const log: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = random();
    const before = await runsDone(page);
    if (before < 28 && r < 0.5) {
      // Just after a run finished, when its save is most likely still in flight.
      await expect.poll(() => runsDone(page), { timeout: 60_000 }).toBeGreaterThan(before);
      await page.waitForTimeout(Math.floor(random() * 60));
    } else {
      await page.waitForTimeout(Math.floor(random() * 2500));
    }
    const shown = await runsDone(page);
    const savedShown = Number(
      /(\d+) runs?/.exec(
        (await page.getByTestId('save-status').allTextContents()).join(' '),
      )?.[1] ?? 0,
    );
    await page.close();

    page = await context.newPage();
    await openLab(page);
    const now = await runsDone(page);
    const saved = await stored(page);
    log.push(`close ${i + 1}: ${shown} shown, ${savedShown} saved → ${now} restored`);
    // The store is intact and versioned, and the page shows what it holds.
    expect(saved, `cycle ${i + 1}`).not.toBeNull();
    expect(saved?.schema).toBe(2);
    expect(saved?.total).toBe(28);
    expect(new Set(saved?.ids).size).toBe(saved?.ids.length);
    // The worker journals each run before the page shows it: the restore may hold more runs than
    // the last autosave.
    expect(now, `cycle ${i + 1}`).toBeGreaterThanOrEqual(saved?.ids.length ?? 0);
    await expect(progressBar(page)).toHaveAttribute('aria-valuemax', '28');
    // No finished run lost: not one the page showed as finished before the close (even one that
    // finished milliseconds before it), not one restored before.
    expect(now, log.join('\n')).toBeGreaterThanOrEqual(shown);
    expect(now, log.join('\n')).toBeGreaterThanOrEqual(savedShown);
    expect(now, log.join('\n')).toBeGreaterThanOrEqual(restored);
    restored = now;
    expect(pageErrors(page)).toEqual([]);

    if (now >= 28) {
      await expect(page.getByTestId('sweep-status')).toContainText('Completed');
      continue;
    }
    await expect(page.getByTestId('sweep-status')).toContainText('Interrupted');
    await expect(page.getByTestId('sweep-message')).toContainText(
      `${now} of 28 runs had finished and were kept`,
    );
    const resume = page.getByRole('button', { name: 'Resume' });
    await expect(resume).toBeEnabled();
    await resume.click();
    await expect(page.getByTestId('sweep-status')).toContainText(/Running|Completed/);
  }
  test.info().annotations.push({ type: 'closes', description: log.join('; ') });
  console.log(log.join('\n'));
  expect(restored).toBeGreaterThan(0);
  await page.close();
});

test('a value saved without a schema version (version 0) is migrated and restored', async ({
  page,
}) => {
  await openLab(page);
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  await page.getByLabel('Corpus seed').fill('7');
  // Wait for the autosave of this config, then take it as a version-0 value: no schema field.
  await expect.poll(async () => (await stored(page))?.schema).toBe(2);
  const v1 = await page.evaluate(
    (key) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const open = indexedDB.open('keyval-store');
        open.onsuccess = () => {
          const req = open.result.transaction('keyval').objectStore('keyval').get(key);
          req.onsuccess = () => {
            open.result.close();
            resolve(req.result as Record<string, unknown>);
          };
        };
      }),
    KEY,
  );
  expect(v1.schema).toBe(2);
  const v0 = { ...v1 };
  delete v0.schema;
  await writeRaw(page, v0);
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible();
  await expect(page.getByLabel('Corpus seed')).toHaveValue('7');
  await expect(page.getByText('could not be restored')).toHaveCount(0);

  // A version the lab does not know is refused with a notice, not half-restored.
  await writeRaw(page, { ...v1, schema: 99 });
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible();
  await expect(page.getByText('could not be restored')).toBeVisible();
  await expect(page.getByLabel('Corpus seed')).toHaveValue('0');
});
