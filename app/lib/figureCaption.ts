/** The one-line caption of a figure: the sweep's configuration, as a paper's figure states it. */
import { PARAMETRIZATION_LABELS } from '../../src/mup/parametrizations';
import { optimizerRulesOf } from '../../src/mup/optimizers';
import {
  PRESET_LABELS,
  preset,
  SWEPT_HP_LABELS,
  type PresetName,
  type SweepConfig,
} from '../../src/sweep/config';

/** The preset whose settings the config has (the data aside), if any. */
export function presetOf(c: SweepConfig): PresetName | undefined {
  const planOf = (x: SweepConfig) => JSON.stringify({ ...x, data: undefined });
  const mine = planOf(c);
  return (Object.keys(PRESET_LABELS) as PresetName[]).find((p) => planOf(preset(p)) === mine);
}

function scheduleText(c: SweepConfig): string {
  const s = c.train.schedule;
  return s.kind === 'constant'
    ? 'constant schedule'
    : `cosine schedule (${s.warmupSteps} warm-up steps, floor ${s.minRatio})`;
}

/**
 * E.g. "Tiny preset · SP and µP · widths 16, 32 (base 16), depth 1 · learning rate 2^-8 to
 * 2^-2, 7 values · 12 steps, batch 4, constant schedule · seeds 0 · synthetic corpus ·
 * loss: final training loss (mean of the last 10 steps)".
 */
export function figureCaption(
  c: SweepConfig,
  metric = 'final training loss (mean of the last 10 steps)',
): string {
  const name = presetOf(c);
  const hp = SWEPT_HP_LABELS[c.sweep.name];
  const values = Math.floor((c.sweep.log2Max - c.sweep.log2Min) / c.sweep.log2Step + 1e-9) + 1;
  const scaled =
    c.axis === 'depth'
      ? `depths ${c.depths.join(', ')} (base ${c.baseDepth}), width ${c.baseWidth}`
      : `widths ${c.widths.join(', ')} (base ${c.baseWidth}), depth ${c.model.depth}`;
  return [
    name ? `${PRESET_LABELS[name]} preset` : 'custom sweep',
    c.parametrizations.map((p) => PARAMETRIZATION_LABELS[p]).join(' and '),
    scaled,
    `${hp} 2^${c.sweep.log2Min} to 2^${c.sweep.log2Max}, ${values} values (step ${c.sweep.log2Step} octave${c.sweep.log2Step === 1 ? '' : 's'})`,
    `${c.train.steps} steps, batch ${c.train.batch}, ${scheduleText(c)}`,
    `seed${c.train.seeds.length === 1 ? '' : 's'} ${c.train.seeds.join(', ')}`,
    dataText(c),
    `loss: ${metric}`,
  ].join(' · ');
}

function dataText(c: SweepConfig): string {
  return c.data.kind === 'synthetic'
    ? 'synthetic corpus'
    : c.data.kind === 'shakespeare'
      ? 'Tiny Shakespeare'
      : `text “${c.data.name}”`;
}

/** What a coordinate check trained: its own widths (or the sweep's depths), steps and seed. */
export interface CoordRun {
  axis: 'width' | 'depth';
  /** The widths, or the depths of a depth check. */
  scaled: number[];
  steps: number;
  seed: number;
}

/**
 * The coordinate check's caption, e.g. "Coordinate check · SP and µP · widths 16, 32, 64, 128
 * (base 16), depth 1 · 4 steps of AdamW at learning rate 2^-6, batch 4, seed 0 · synthetic
 * corpus · mean |activation| of each layer type after each step".
 */
export function coordCaption(c: SweepConfig, run: CoordRun): string {
  const scaled =
    run.axis === 'depth'
      ? `depths ${run.scaled.join(', ')} (base ${c.baseDepth}), width ${c.widths[0]}`
      : `widths ${run.scaled.join(', ')} (base ${c.baseWidth}), depth ${c.model.depth}`;
  return [
    'Coordinate check',
    c.parametrizations.map((p) => PARAMETRIZATION_LABELS[p]).join(' and '),
    scaled,
    `${run.steps} steps of ${optimizerRulesOf(c.hp).label} at learning rate ${Number(c.hp.lr.toPrecision(3))}, batch ${c.train.batch}, seed ${run.seed}`,
    dataText(c),
    'mean |activation| of each layer type after each step',
  ].join(' · ');
}
