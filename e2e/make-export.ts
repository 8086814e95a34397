/**
 * `node --import tsx e2e/make-export.ts FILE`: writes an export of a Tiny-like sweep (two widths,
 * two seeds) with
 * made-up runs (a quadratic bowl in log2 lr around a µP optimum that stays put and an SP one
 * that drifts, SP blow-ups and one diverged point at the top of the grid) so that figure tests
 * can import a result instead of training. Run as a child process for the reason given in
 * parse-export.ts.
 */
import { writeFileSync } from 'node:fs';
import { hpGrid, preset } from '../src/sweep/config';
import { buildExport } from '../src/exchange/export';
import { runId, type RunRecord } from '../src/sweep/types';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: make-export.ts FILE\n');
  process.exit(2);
}
// Tiny's model at two widths on the grid 2^-8..2^-2, with two seeds (the fits have a spread):
// pinned here, so that the figure tests' counts do not follow the preset.
const tiny = preset('tiny');
const config = {
  ...tiny,
  widths: [16, 32],
  sweep: { ...tiny.sweep, log2Min: -8, log2Max: -2 },
  train: { ...tiny.train, seeds: [0, 1] },
};
const records: RunRecord[] = [];
for (const parametrization of config.parametrizations) {
  for (const width of config.widths) {
    const octaves = Math.log2(width / config.baseWidth);
    const optimum = parametrization === 'mup' ? -5 : -5 - octaves;
    for (const seed of config.train.seeds) {
      for (const log2Hp of hpGrid(config.sweep)) {
        const spec = { parametrization, width, depth: config.model.depth, seed, log2Hp };
        const blowUp = parametrization === 'sp' && width > config.baseWidth && log2Hp >= -4;
        const diverged = blowUp && log2Hp === -2;
        // Seed-to-seed noise, deterministic: the two seeds' optima differ a little.
        const noise = 0.03 * Math.sin(3 * log2Hp + 5 * seed + width);
        const loss = blowUp ? 5.5 : 1.6 - 0.1 * octaves + 0.12 * (log2Hp - optimum) ** 2 + noise;
        records.push({
          ...spec,
          id: runId(spec),
          finalLoss: diverged ? null : loss,
          diverged,
          divergedAtStep: diverged ? 4 : null,
          losses: diverged ? [4.5, 4.4, 9.1] : [4.5, 3.2, 2.4, loss + 0.05, loss],
          valLoss: diverged ? null : loss + 0.03,
          tokensPerSec: 1000,
          millis: 500,
        });
      }
    }
  }
}
const doc = buildExport({
  config,
  records,
  vocab: 64,
  targetWidth: 64,
  environment: { adapter: 'made-up runs (e2e fixture)' },
});
writeFileSync(file, JSON.stringify(doc, null, 2));
