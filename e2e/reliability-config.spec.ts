/**
 * Nothing can brick the lab: an LR grid step of 0, and zero, negative and huge values in every
 * numeric field of the form, each get their message while the page keeps answering, and a
 * reload after each opens the page with the typed values and their messages (the draft is kept).
 * A corrupted saved state, or one whose results' config is invalid, is set aside (kept under a
 * key of its own) with a message, and the page opens.
 */
import { expect, test, type Page } from '@playwright/test';
import { openLab, pageErrors } from './lab-helpers';

const KEY = 'mup-lab/state';

/** Fails when the page's main thread does not draw a frame within `ms`. */
async function expectAnswering(page: Page, what = '', ms = 5000): Promise<void> {
  const waited = await Promise.race([
    page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const t0 = performance.now();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        }),
    ),
    new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), ms)),
  ]);
  if (waited > 500) console.log(`slow frame after ${what}: ${waited.toFixed(0)} ms`);
  expect(waited, `the page draws a frame after ${what}`).toBeLessThan(ms);
}

/** The form's numeric and list fields with the values no field of that kind accepts. */
const NUMERIC = [
  'Depth (blocks)',
  'Context (tokens)',
  'Heads',
  'MLP ratio',
  'Size (characters)',
  'Corpus seed',
  'Widths',
  'Base width',
  'log2 from',
  'to',
  'step',
  'Steps',
  'Batch',
  'Seeds',
  'Runs side by side',
];
/** Fields where the value is allowed (0 is a valid seed; -3 a valid log2 end). */
const ACCEPTS: Record<string, string[]> = {
  '0': ['Corpus seed', 'Seeds', 'log2 from', 'to'],
  '-3': ['log2 from', 'to'],
  '1e308': [],
};

function field(page: Page, label: string) {
  const input = page.getByLabel(label, { exact: true });
  return { input, box: page.locator('.field').filter({ has: input }) };
}

async function fillAll(page: Page, value: string): Promise<void> {
  for (const label of NUMERIC) {
    await field(page, label).input.fill(value);
    await expectAnswering(page, `${label} = ${value}`);
  }
}

async function expectMessages(page: Page, value: string): Promise<void> {
  for (const label of NUMERIC) {
    const { input, box } = field(page, label);
    // After a reload the field shows the saved number as JavaScript writes it (1e+308).
    await expect.poll(async () => Number(await input.inputValue()), label).toBe(Number(value));
    if (ACCEPTS[value].includes(label)) continue;
    await expect(input, `${label} = ${value} is refused`).toHaveAttribute('aria-invalid', 'true');
    await expect(box.getByRole('alert'), `${label} = ${value} says why`).not.toBeEmpty();
  }
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeDisabled();
}

async function reload(page: Page): Promise<void> {
  await page.reload();
  await expect(page.getByTestId('adapter')).toBeVisible();
  await expectAnswering(page, 'reload');
}

async function idb(page: Page, op: 'get' | 'put' | 'keys', value?: unknown): Promise<unknown> {
  return page.evaluate(
    ([op, key, v]) =>
      new Promise<unknown>((resolve, reject) => {
        const open = indexedDB.open('keyval-store');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('keyval', op === 'put' ? 'readwrite' : 'readonly');
          const store = tx.objectStore('keyval');
          const req =
            op === 'put' ? store.put(v, key) : op === 'get' ? store.get(key) : store.getAllKeys();
          tx.oncomplete = () => {
            open.result.close();
            resolve(op === 'put' ? undefined : req.result);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    [op, KEY, value] as const,
  );
}

/** The parts of the raw saved value the test looks at. */
type Stored = { config?: { sweep?: { log2Step?: number }; data?: { seed?: number } } } | undefined;

async function setAsideKeys(page: Page): Promise<string[]> {
  const keys = (await idb(page, 'keys')) as string[];
  return keys.filter((k) => k.startsWith('mup-lab/set-aside/'));
}

test('an LR step of 0, then zero, negative and huge values everywhere: messages, no freeze, reloads', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openLab(page);
  const step = field(page, 'step');
  await step.input.fill('0');
  await expectAnswering(page, 'step = 0');
  await expect(step.box.getByRole('alert')).toContainText('The log2 step must be in (0, 10]');
  await expect(page.getByTestId('grid-preview')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeDisabled();
  // Saved as typed: the reload shows the same value and message, and answers.
  await expect
    .poll(async () => ((await idb(page, 'get')) as Stored)?.config?.sweep?.log2Step)
    .toBe(0);
  await reload(page);
  await expect(step.input).toHaveValue('0');
  await expect(step.box.getByRole('alert')).toContainText('The log2 step must be in (0, 10]');

  for (const value of ['0', '-3', '1e308']) {
    await fillAll(page, value);
    await expectMessages(page, value);
    await reload(page);
    await expectMessages(page, value);
  }
  // A preset brings the form back; nothing else was needed.
  await page.getByLabel('Preset').selectOption({ label: 'Tiny' });
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
  await expect(page.getByTestId('grid-preview')).toContainText('7 values');
  expect(pageErrors(page)).toEqual([]);
});

test('a corrupted saved state is set aside with a message and the page opens', async ({ page }) => {
  await openLab(page);
  await page.getByLabel('Corpus seed').fill('5');
  await expect.poll(async () => ((await idb(page, 'get')) as Stored)?.config?.data?.seed).toBe(5);
  const saved = (await idb(page, 'get')) as Record<string, unknown>;

  // Not a saved state at all.
  await idb(page, 'put', { schema: 1, config: 'garbage', sweep: 42 });
  await page.evaluate(() => localStorage.clear());
  await reload(page);
  await expect(page.getByRole('alert').filter({ hasText: 'could not be restored' })).toContainText(
    'Nothing was deleted',
  );
  await expect(page.getByLabel('Corpus seed')).toHaveValue('0');
  expect(await setAsideKeys(page)).toHaveLength(1);

  // A well-formed state whose results' config has an LR step of 0 (it would build an endless
  // grid for the charts): set aside as well, the page opens.
  const badSweepConfig = {
    ...(saved.config as Record<string, unknown>),
    sweep: { name: 'lr', log2Min: -8, log2Max: -2, log2Step: 0 },
  };
  await idb(page, 'put', {
    ...saved,
    sweep: {
      id: null,
      status: 'completed',
      config: badSweepConfig,
      total: 28,
      vocab: 20,
      records: [],
      targetRuns: [],
      horizonRuns: [],
      message: null,
    },
  });
  await page.evaluate(() => localStorage.clear());
  await reload(page);
  await expect(page.getByRole('alert').filter({ hasText: 'could not be restored' })).toContainText(
    'sweep.log2Step',
  );
  await expect(page.getByRole('button', { name: 'Run sweep' })).toBeEnabled();
  expect(await setAsideKeys(page)).toHaveLength(2);

  // The value was moved, not copied: the next reload starts clean, without a message.
  expect(await idb(page, 'get')).toBeUndefined();
  await reload(page);
  await expect(page.getByText('could not be restored')).toHaveCount(0);
  expect(pageErrors(page)).toEqual([]);
});
