/**
 * The transfer side of the lab: the "Target width" slider and its table of transferred
 * hyperparameters (checked against transfer() itself, imported here), the coordinate check, and
 * export/import of a finished sweep (JSON round trip, malformed files, CSV, PyTorch snippet and
 * trainer).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { unzipSync, strFromU8 } from 'fflate';
import { expect, test, type Page } from '@playwright/test';
import type { MupHyperparams, Parametrization } from '../src/mup/rules';
import type { GptShape } from '../src/mup/shapes';
import { transfer, type TensorValues } from '../src/mup/transfer';
import { OPTIMIZER_RULES } from '../src/mup/optimizers';
import { preset, shapeFor } from '../src/sweep/config';
import { parseCsv } from '../src/exchange/csv';
import {
  expectTinySweepCompleted,
  clearResults,
  formValues,
  openLab,
  pageErrors,
  parseExportFile,
  progressBar,
  runsDone,
  runsTotal,
  shotOf,
  startTinySweep,
  TINY,
  TINY_RUNS,
  TINY_RUNS_EACH,
  TINY_TIMEOUT,
  TINY_WIDEST,
} from './lab-helpers';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

// ---- The expected table, from transfer() ----------------------------------------------------

/**
 * The table's number format as TransferTable.tsx documents it: 3 significant digits, plain for
 * 1e-3 ≤ |x| < 1e5, exponent notation ("3.13e-10") otherwise; integers below 1e5 exact.
 */
function fmt3(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e5) return String(x);
  if (a < 1e-3 || a >= 1e5) return x.toExponential(2).replace('e+', 'e');
  return String(Number(x.toPrecision(3)));
}

/** A cell: its text (3 digits) and its title (the full value: String(x), or "min – max"). */
interface Cell {
  text: string;
  title: string;
}

function cell(xs: number[]): Cell {
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return min === max
    ? { text: fmt3(min), title: String(min) }
    : { text: `${fmt3(min)} – ${fmt3(max)}`, title: `${min} – ${max}` };
}

/** The table's rows (tensor groups, all blocks together) and which tensors each one holds. */
const GROUPS: Array<[string, (t: TensorValues) => boolean]> = [
  ['tok_emb', (t) => t.name === 'tok_emb'],
  ['pos_emb', (t) => t.name === 'pos_emb'],
  ['qkv', (t) => /\.attn\.qkv$/.test(t.name)],
  ['attn_out', (t) => /\.attn\.out$/.test(t.name)],
  ['mlp_in', (t) => /\.mlp\.in$/.test(t.name)],
  ['mlp_out', (t) => /\.mlp\.out$/.test(t.name)],
  ['gains', (t) => t.kind === 'gain'],
  ['biases', (t) => t.kind === 'bias'],
  ['readout', (t) => t.name === 'readout'],
];
const GLOBALS = ['inputMult', 'readoutMult', 'attnScale', 'residualMult', 'depthLrFactor'] as const;

interface Table {
  caption: string;
  /** Per group: m, then per parametrization init std, LR, Adam ε (AdamW only), weight decay. */
  rows: Record<string, Cell[]>;
  /** Per global multiplier: one value per parametrization. */
  globals: Record<string, Cell[]>;
}

function expectedTable(hp: MupHyperparams, base: GptShape, target: GptShape): Table {
  const results = (['sp', 'mup'] as Parametrization[]).map((p) => transfer(hp, p, base, target));
  const rules = OPTIMIZER_RULES[results[0].optimizer.name];
  const usesEps = rules.fields.includes('eps');
  const rows: Record<string, Cell[]> = {};
  for (const [key, match] of GROUPS) {
    const per = results.map((r) => r.tensors.filter(match));
    if (per[0].length === 0) continue;
    rows[key] = [cell(per[0].map((t) => t.widthMult))];
    for (const ts of per) {
      const init = cell(ts.map((t) => t.initStd));
      const q = ts[0].queryInitStd;
      if (key === 'qkv' && q !== undefined && q !== ts[0].initStd) init.text += ` (q: ${fmt3(q)})`;
      rows[key].push(
        init,
        cell(ts.map((t) => t.lr)),
        ...(usesEps ? [cell(ts.map((t) => t.eps))] : []),
        cell(ts.map((t) => t.weightDecay)),
      );
    }
  }
  const globals: Record<string, Cell[]> = {};
  for (const g of GLOBALS) globals[g] = results.map((r) => cell([r.multipliers[g]]));
  const m = results[0].multipliers;
  const caption =
    `Width ${target.width} (m = ${fmt3(m.widthMult)}), depth ${target.depth}` +
    `${m.depthMult !== 1 ? ` (L = ${fmt3(m.depthMult)})` : ''}, head size ${fmt3(m.headSize)}` +
    `, optimizer ${rules.label} (${rules.source})`;
  return { caption, rows, globals };
}

/** The table as the page shows it, in the same form (the shape column left out). */
async function shownTable(page: Page): Promise<Table> {
  const table = page.getByRole('table', { name: 'Transferred hyperparameters' });
  return table.evaluate((el) => {
    const cellOf = (td: Element) => ({
      text: (td.textContent ?? '').trim(),
      title: td.querySelector('span[title]')?.getAttribute('title') ?? '',
    });
    const rows: Record<string, Array<{ text: string; title: string }>> = {};
    for (const tr of el.querySelectorAll('tr[data-group]')) {
      rows[(tr as HTMLElement).dataset.group ?? ''] = [...tr.querySelectorAll('td')]
        .slice(1)
        .map(cellOf);
    }
    const globals: Record<string, Array<{ text: string; title: string }>> = {};
    for (const tr of el.querySelectorAll('tr[data-global]')) {
      globals[(tr as HTMLElement).dataset.global ?? ''] = [...tr.querySelectorAll('td')].map(
        cellOf,
      );
    }
    const caption = (el.querySelector('caption')?.textContent ?? '').replace(/\s+/g, ' ').trim();
    return { caption, rows, globals };
  });
}

const slider = (page: Page) => page.getByRole('slider', { name: 'Target width' });

async function sliderWidth(page: Page): Promise<number> {
  const text = (await slider(page).getAttribute('aria-valuetext')) ?? '';
  return Number(/^width (\d+)/.exec(text)?.[1]);
}

test('the Target width slider, by mouse and keyboard, shows what transfer() gives', async ({
  page,
}) => {
  await openLab(page);
  const status = (await page.getByTestId('data-status').textContent()) ?? '';
  const vocab = Number(/Vocabulary (\d+)/.exec(status)?.[1]);
  expect(vocab).toBeGreaterThan(1);
  // Before any sweep the table uses the Tiny preset's base hyperparameters.
  const config = preset('tiny');
  const base = shapeFor(config, config.baseWidth, config.baseDepth, vocab);
  const check = async (width: number) => {
    const expected = expectedTable(config.hp, base, shapeFor(config, width, 1, vocab));
    await expect.poll(() => shownTable(page).then((t) => t.caption)).toBe(expected.caption);
    const shown = await shownTable(page);
    expect(shown.rows).toEqual(expected.rows);
    expect(shown.globals).toEqual(expected.globals);
    // The two cells the rules name: a µP hidden matrix learns at η/m, the readout × α_out/m.
    const m = width / config.baseWidth;
    expect(Number(shown.rows.mlp_in[6].title)).toBeCloseTo(config.hp.lr / m, 15);
    expect(Number(shown.globals.readoutMult[1].title)).toBeCloseTo(config.hp.alphaOut / m, 15);
  };

  const target = page.locator('section.target');
  await expect(target).toContainText('Transfer to any width');
  const s = slider(page);
  // The default target: 8 × the widest trained width (64).
  expect(TINY_WIDEST).toBe(64);
  expect(await sliderWidth(page)).toBe(512);
  await check(512);

  // Keyboard: the stops are 2^k · {1, 1.25, 1.5, 1.75} (multiples of the head count, 4).
  await s.focus();
  for (const [key, width] of [
    ['ArrowRight', 640],
    ['PageUp', 1280], // the first stop at or above 2 × 640
    ['End', 16384],
  ] as const) {
    await s.press(key);
    await expect(target.locator('output')).toHaveText(new RegExp(`^${width}\\b`));
    expect(await sliderWidth(page)).toBe(width);
    await check(width);
  }

  // Mouse: press on the track near its start, drag to about 40 % of it and let go.
  const box = await s.boundingBox();
  if (!box) throw new Error('the slider has no box');
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.25, y, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.4, y, { steps: 5 });
  await page.mouse.up();
  const dragged = await sliderWidth(page);
  // The track is log2(width) from 4 (16) to 14 (16384): 40 % is near 2^8 = 256 (the thumb's
  // own width shifts it a little).
  expect(dragged % 4).toBe(0);
  expect(Math.abs(Math.log2(dragged) - 8)).toBeLessThan(0.5);
  expect(dragged).not.toBe(16384);
  await expect(target.locator('output')).toHaveText(new RegExp(`^${dragged}\\b`));
  await check(dragged);
  await shotOf(target, 'lab-transfer');
  expect(pageErrors(page)).toEqual([]);
});

test('the coordinate check draws SP and µP and gives a verdict', async ({ page }) => {
  await openLab(page);
  const panel = page.locator('section.coord-panel');
  // Its own widths: a bad value is named at once, and the check runs the given list.
  const widths = panel.getByLabel('Coordinate check width list');
  await widths.fill('16, 18');
  await expect(panel).toContainText('“18” is not a multiple of');
  await widths.fill('16, 32');
  const started = Date.now();
  await panel.getByRole('button', { name: 'Run coordinate check' }).click();
  const verdict = panel.getByRole('status', { name: 'Coordinate check verdict' });
  await expect(verdict.locator('li')).toHaveCount(2, { timeout: 60_000 });
  test.info().annotations.push({
    type: 'coord-check seconds',
    description: ((Date.now() - started) / 1000).toFixed(1),
  });
  // SP's activations grow with width after a few Adam steps; under µP none may grow (at these
  // few steps and the default LR some still shrink, as at init: see the report).
  await expect(verdict.locator('li', { hasText: /^SP: / })).toContainText(/grows? ∝ width\^/);
  await expect(verdict.locator('li', { hasText: /^µP: / })).toHaveCount(1);
  await expect(verdict.locator('li', { hasText: /^µP: / })).not.toContainText('grow');
  await expect(panel.getByRole('button', { name: 'Run again' })).toBeEnabled();
  for (const p of ['sp', 'mup']) {
    const chart = panel.locator(`figure.coord-chart[data-parametrization="${p}"]`);
    await expect(chart.locator('figcaption')).toContainText(p === 'sp' ? 'SP' : 'µP');
    // A line per step (mup's plot_coord_data), each through both widths (16, 32), and the
    // legend outside the plot.
    await expect(chart.locator('.recharts-line-curve').first()).toBeVisible();
    expect(await chart.locator('.recharts-line-curve').count()).toBeGreaterThanOrEqual(3);
    await expect(chart.locator('ul.legend li').first()).toHaveText('step 1');
  }
  // SP and µP on one y range.
  const ticks = (p: string) =>
    panel
      .locator(
        `figure.coord-chart[data-parametrization="${p}"] .recharts-yAxis .recharts-cartesian-axis-tick-value`,
      )
      .allInnerTexts();
  expect(await ticks('sp')).toEqual(await ticks('mup'));
  // One line per layer type at a step, as before.
  await panel.getByRole('radio', { name: 'layer type' }).check();
  await expect(panel.locator('figure.coord-chart ul.legend').first()).toContainText('embedding');
  await expect(panel).not.toContainText('NaN');
  await shotOf(panel, 'lab-coord');
  expect(pageErrors(page)).toEqual([]);
});

/** What the page shows of a sweep's results. */
async function resultsShown(page: Page) {
  const charts: Record<string, unknown> = {};
  for (const p of ['sp', 'mup']) {
    const chart = page.getByTestId(`chart-${p}`);
    const lines: Record<string, unknown> = {};
    for (const w of TINY.widths) {
      lines[w] = {
        curve: await chart
          .locator(`.recharts-line.line-w${w} path.recharts-line-curve`)
          .evaluateAll((ps) => ps.map((e) => e.getAttribute('d'))),
        diverged: await chart.locator(`.diverged-w${w}`).count(),
        legend: await chart.getByTestId(`legend-w${w}`).textContent(),
      };
    }
    charts[p] = {
      caption: await chart.locator('figcaption').textContent(),
      lines,
      optima: await chart.getByTestId('optimum-marker').count(),
      verdict: await page.getByTestId(`verdict-${p}`).textContent(),
    };
  }
  return {
    status: await page.getByTestId('sweep-status').locator('.status').textContent(),
    done: await runsDone(page),
    total: await runsTotal(page),
    charts,
    form: await formValues(page),
  };
}

test('a finished sweep exports JSON, CSV and PyTorch, and the JSON imports back', async ({
  page,
}, testInfo) => {
  test.setTimeout(TINY_TIMEOUT + 180_000);
  await openLab(page);
  await startTinySweep(page);
  await expectTinySweepCompleted(page);
  const before = await resultsShown(page);
  expect(before.done).toBe(TINY_RUNS);
  // Something to compare: a line (or the × of diverged runs) per width and parametrization.
  for (const p of ['sp', 'mup']) {
    for (const w of TINY.widths) {
      const chart = page.getByTestId(`chart-${p}`);
      const drawn = chart.locator(`.recharts-line.line-w${w} path.recharts-line-curve`);
      expect(
        (await drawn.count()) + (await chart.locator(`.diverged-w${w}`).count()),
      ).toBeGreaterThan(0);
    }
  }
  const exportPanel = page.locator('section.panel.export');
  const exportStatus = exportPanel.locator('p.export-status');

  // Download CSV: a header and one row per run.
  const csvDownload = page.waitForEvent('download');
  await exportPanel.getByRole('button', { name: 'Download CSV' }).click();
  const csv = await csvDownload;
  expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  const csvPath = testInfo.outputPath(csv.suggestedFilename());
  await csv.saveAs(csvPath);
  const table = parseCsv(readFileSync(csvPath, 'utf8')).filter((r) => r.join('') !== '');
  expect(table[0]).toEqual([
    'parametrization',
    'width',
    'depth',
    'seed',
    'log2_lr',
    'lr',
    'final_loss',
    'diverged',
    'val_loss',
    'tokens_per_sec',
  ]);
  const rows = table.slice(1);
  expect(rows).toHaveLength(TINY_RUNS);
  for (const r of rows) expect(r).toHaveLength(table[0].length);
  expect(rows.filter((r) => r[0] === 'sp')).toHaveLength(TINY_RUNS_EACH);
  expect(rows.filter((r) => r[0] === 'mup')).toHaveLength(TINY_RUNS_EACH);
  expect(new Set(rows.map((r) => `${r[0]} ${r[1]} ${r[3]} ${r[4]}`)).size).toBe(TINY_RUNS);
  await expect(exportStatus).toContainText(`(${TINY_RUNS} runs)`);

  // Copy PyTorch snippet: onto the clipboard, or into the fallback textarea.
  await exportPanel.getByRole('button', { name: 'Copy PyTorch snippet' }).click();
  await expect(exportStatus).toContainText(/copied to the clipboard|clipboard is not available/);
  const fallback = exportPanel.getByLabel('PyTorch snippet');
  const snippet = (await fallback.isVisible())
    ? await fallback.inputValue()
    : await page.evaluate(() => navigator.clipboard.readText());
  testInfo.annotations.push({
    type: 'snippet',
    description: (await fallback.isVisible()) ? 'fallback textarea' : 'clipboard',
  });
  expect(snippet).toContain('MuAdamW');
  expect(snippet).toContain('set_base_shapes');
  expect(snippet).toContain('import torch');
  expect(snippet).toContain('blocks.0.mlp.fc_in.weight');

  // Download PyTorch trainer: the export, python/mup_lab, the corpus and the command line.
  const trainerDownload = page.waitForEvent('download');
  await exportPanel.getByRole('button', { name: 'Download PyTorch trainer' }).click();
  const trainer = await trainerDownload;
  const zipName = trainer.suggestedFilename();
  expect(zipName).toMatch(/^mup-lab_pytorch_mup_w\d+_\d{4}-\d{2}-\d{2}\.zip$/);
  const zipPath = testInfo.outputPath(zipName);
  await trainer.saveAs(zipPath);
  const zipped = unzipSync(readFileSync(zipPath));
  const root = zipName.replace(/\.zip$/, '');
  const inZip = (path: string) => {
    const file = zipped[`${root}/${path}`];
    if (!file) throw new Error(`${path} is not in ${zipName}: ${Object.keys(zipped).join(', ')}`);
    return strFromU8(file);
  };
  // Every module of the package, exactly as in the repository.
  for (const module of readdirSync('python/mup_lab').filter((f) => f.endsWith('.py'))) {
    expect(inZip(`mup_lab/${module}`), module).toBe(
      readFileSync(`python/mup_lab/${module}`, 'utf8'),
    );
  }
  // The JSON Schemas mup_lab validates exports and plans with, as `npm run build` wrote them.
  for (const name of ['export.schema.json', 'plan.schema.json']) {
    expect(JSON.parse(inZip(`mup_lab/schemas/${name}`)), name).toEqual(
      JSON.parse(readFileSync(`python/mup_lab/schemas/${name}`, 'utf8')),
    );
  }
  const bundledName = Object.keys(zipped).find((k) => /mup-lab_mup_base16_.*\.json$/.test(k));
  expect(bundledName).toBeDefined();
  const bundled = JSON.parse(strFromU8(zipped[bundledName!])) as { target: { shape: GptShape } };
  const targetWidth = bundled.target.shape.width;
  expect(zipName).toContain(`_w${targetWidth}_`);
  const args =
    `-m mup_lab.train --export './${bundledName!.slice(root.length + 1)}' --text './corpus.txt' ` +
    `--width ${targetWidth} --depth 1 --steps ${TINY.train.steps} --batch 4 --out './run.json'`;
  expect(inZip('train.sh')).toContain(`exec "\${PYTHON:-python3}" ${args} "$@"`);
  expect(inZip('README.txt')).toContain(`python3 ${args}`);
  expect(inZip('corpus.txt').length).toBe(200_000);
  await expect(exportStatus).toContainText(`Saved ${zipName}`);

  // Export JSON: a valid document named after the parametrization, base width and date.
  const jsonDownload = page.waitForEvent('download');
  await exportPanel.getByRole('button', { name: 'Export JSON' }).click();
  const json = await jsonDownload;
  const name = json.suggestedFilename();
  expect(name).toMatch(/^mup-lab_mup_base16_\d{4}-\d{2}-\d{2}\.json$/);
  const jsonPath = testInfo.outputPath(name);
  await json.saveAs(jsonPath);
  const parsed = parseExportFile(jsonPath);
  if (!parsed.ok) throw new Error(`the export does not validate: ${parsed.message}`);
  expect(name).toContain(parsed.doc.environment.date.slice(0, 10));
  expect(parsed.doc.evidence.runs).toHaveLength(TINY_RUNS);
  expect(parsed.doc.base.width).toBe(16);
  await expect(exportStatus).toContainText(`Saved ${name}.`);

  // Malformed files: the reason in an alert, and nothing else changes.
  const importInput = exportPanel.getByLabel('Import JSON');
  for (const [file, text, reason] of [
    [
      'newer.json',
      '{"format":"mup-lab/transfer","version":3}',
      'version: made by a newer version of µP Lab (v3)',
    ],
    ['truncated.json', readFileSync(jsonPath, 'utf8').slice(0, 500), 'Not valid JSON'],
  ] as const) {
    await importInput.setInputFiles({
      name: file,
      mimeType: 'application/json',
      buffer: Buffer.from(text),
    });
    const alert = exportPanel.getByRole('alert');
    await expect(alert).toContainText(`${file}: ${reason}`);
    await expect(alert).toHaveCount(1);
    expect(await resultsShown(page)).toEqual(before);
  }

  // Clear, then import the export: the same results come back.
  await clearResults(page);
  await expect(page.getByTestId('chart-sp')).toHaveCount(0);
  await expect(exportPanel.getByRole('button', { name: 'Export JSON' })).toBeDisabled();
  await importInput.setInputFiles(jsonPath);
  await expect(exportStatus).toContainText(`Imported ${name}.`);
  await expect(exportPanel.getByRole('alert')).toHaveCount(0);
  await expect(page.getByTestId('sweep-status')).toContainText('Completed');
  await expect(progressBar(page)).toHaveAttribute('aria-valuenow', String(TINY_RUNS));
  // The charts show the imported sweep as they showed the original (once its analysis, computed
  // off the UI thread, has arrived); the form keeps the user's settings (the Sweeps list's "Use
  // settings" loads an import's).
  await expect.poll(() => resultsShown(page), { timeout: 30_000 }).toEqual(before);
  expect(pageErrors(page)).toEqual([]);
});
