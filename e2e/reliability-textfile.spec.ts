/**
 * Bad .txt files given to the data file input get a clear message each (and never replace the
 * corpus), and a file's name and contents are shown as text, never parsed as HTML.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { openLab, pageErrors } from './lab-helpers';

const MB = 1024 * 1024;

async function give(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.getByLabel('Open a .txt file').setInputFiles({ name, mimeType: 'text/plain', buffer });
}

const alertOf = (page: Page) => page.getByTestId('text-drop').getByRole('alert');

test('empty, binary, non-UTF-8 and over-size files are refused with a clear message', async ({
  page,
}) => {
  await openLab(page);
  const cases: [string, Buffer, RegExp][] = [
    ['empty.txt', Buffer.alloc(0), /^empty\.txt: The text is empty\.$/],
    ['blank.txt', Buffer.from(' \n\t\r\n  '.repeat(50)), /only whitespace/],
    [
      'binary.txt',
      Buffer.concat([Buffer.from('hello world '.repeat(20)), Buffer.from([0, 1, 2, 0xff])]),
      /NUL byte \(at byte 240\).*binary file/,
    ],
    ['controls.txt', Buffer.from('ab\x01\x02\x03\x04'.repeat(100)), /control characters.*binary/],
    // Latin-1 "café" and Windows-1252 quotes: not UTF-8.
    [
      'latin1.txt',
      Buffer.concat([
        Buffer.from('a long enough text '.repeat(20)),
        Buffer.from([0x63, 0x61, 0x66, 0xe9]),
      ]),
      /not valid UTF-8 \(first bad byte at offset 383\).*Save it as UTF-8/,
    ],
    ['utf16.txt', Buffer.from('\ufefftext in UTF-16 '.repeat(30), 'utf16le'), /binary|UTF-8/],
    // One byte over the limit, and much more: the limit is stated exactly.
    [
      'big.txt',
      Buffer.alloc(10 * MB + 1, 'a'),
      /^big\.txt: The file is too large \(10,485,761 bytes\); the limit is 10 MB \(10,485,760 bytes\)\.$/,
    ],
    ['huge.txt', Buffer.alloc(12 * MB, 'b'), /too large \(12,582,912 bytes\); the limit is 10 MB/],
  ];
  for (const [name, buffer, message] of cases) {
    await give(page, name, buffer);
    await expect(alertOf(page), name).toHaveText(message);
    // The refused file never becomes the corpus.
    await expect(page.getByTestId('text-info')).toHaveCount(0);
    await expect(page.getByTestId('data-status')).toContainText('Vocabulary 40');
  }
  // Exactly at the limit is fine (checked, not refused for its size).
  await give(page, 'limit.txt', Buffer.alloc(10 * MB, 'ab\n'));
  await expect(page.getByTestId('text-info')).toContainText('limit.txt');
  await expect(alertOf(page)).toHaveCount(0);
  // A good file after a bad one clears the message.
  await give(page, 'empty.txt', Buffer.alloc(0));
  await expect(alertOf(page)).toContainText('empty');
  await give(
    page,
    'fox.txt',
    Buffer.from('the quick brown fox jumps over the lazy dog.\n'.repeat(60)),
  );
  await expect(alertOf(page)).toHaveCount(0);
  await expect(page.getByTestId('text-info')).toContainText('fox.txt');
  await expect(page.getByTestId('data-status')).toContainText('Vocabulary 29');
  expect(pageErrors(page)).toEqual([]);
});

test('file names and contents are rendered as text, never as HTML', async ({ page }) => {
  await openLab(page);
  const name = '<img src=x onerror=window.__pwned=1>.txt';
  const html =
    '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">' +
    '<b onmouseover="window.__pwned=1">bold</b> & more text, "quoted" \'single\'\n';
  const pwned = () => page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);

  // Refused (too short for the context): the name is in the message, literally.
  await give(page, name, Buffer.from('<b onmouseover=window.__pwned=1>x</b>'));
  await expect(alertOf(page)).toContainText(`${name}: The text has`);
  // Refused for its size, before it is read.
  await give(page, name, Buffer.alloc(10 * MB + 1, '<img src=x onerror=window.__pwned=1>'));
  await expect(alertOf(page)).toContainText(`${name}: The file is too large`);
  // Accepted: the name is shown as text and the HTML content is only a corpus.
  await give(page, name, Buffer.from(html.repeat(20)));
  const info = page.getByTestId('text-info');
  await expect(info).toContainText(name);
  await expect(page.getByTestId('data-status')).toContainText('Vocabulary');
  await info.hover();
  await page.waitForTimeout(300);

  expect(await pwned()).toBeUndefined();
  // No element of the page came from the file: no <img src=x>, no <script> or <b> from it.
  expect(await page.locator('img[src="x"], [onerror], [onmouseover]').count()).toBe(0);
  expect(await info.locator('strong').textContent()).toBe(name);
  expect(await info.locator('img, script, b').count()).toBe(0);
  expect(pageErrors(page)).toEqual([]);
});

/** test/fixtures/text: the same files and expected outcomes as the CLI's and Python's tests. */
const FIXTURES = 'test/fixtures/text';
const PROBLEM_MESSAGES: Record<string, RegExp> = {
  empty: /The text (is empty|contains only whitespace)/,
  binary: /binary/,
  'invalid-encoding': /not valid UTF-8|not valid Unicode/,
  'too-many-characters': /different characters; the limit is 4096/,
  'too-short': /The text has \d+ characters; with context \d+ it needs at least/,
};

test('the shared text fixtures: each refused for its problem or accepted, as in the CLI and Python', async ({
  page,
}) => {
  const { cases } = JSON.parse(readFileSync(`${FIXTURES}/cases.json`, 'utf8')) as {
    cases: Array<{ file: string; problem: string | null }>;
  };
  await openLab(page);
  // The refused ones first: none of them may replace the built-in corpus.
  for (const { file, problem } of cases.filter((c) => c.problem !== null)) {
    await give(page, file, readFileSync(`${FIXTURES}/${file}`));
    await expect(alertOf(page), file).toHaveText(
      new RegExp(`^${file.replace('.', '\\.')}: .*${PROBLEM_MESSAGES[problem!].source}`),
    );
    await expect(page.getByTestId('text-info')).toHaveCount(0);
    await expect(page.getByTestId('data-status')).toContainText('Vocabulary 40');
  }
  for (const { file } of cases.filter((c) => c.problem === null)) {
    await give(page, file, readFileSync(`${FIXTURES}/${file}`));
    await expect(alertOf(page), file).toHaveCount(0);
    await expect(page.getByTestId('text-info')).toContainText(file);
  }
  expect(pageErrors(page)).toEqual([]);
});
