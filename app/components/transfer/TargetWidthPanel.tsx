import { widthStep } from '../../../src/mup/shapes';
import { shapeFor, SWEPT_HP_LABELS } from '../../../src/sweep/config';
import { useLab } from '../../store';
import * as fmt from '../../lib/format';
import { PARAMETRIZATION_LABELS } from '../../../src/mup/parametrizations';
import { metricAxisLabel } from '../../../src/analysis/metric';
import { TransferTable } from '../TransferTable';
import { WidthSlider, widthStops, nearestStop, MAX_TARGET_WIDTH } from '../WidthSlider';
import { TrainTarget } from './TrainTarget';
import { useTuned } from './useTuned';
import { VerifyTarget } from './VerifyTarget';

/** The default target: eight times the widest trained width, on a valid stop. */
export function defaultTarget(widths: number[], step: number): number {
  const widest = Math.max(...widths);
  const stops = widthStops(Math.min(...widths), MAX_TARGET_WIDTH, step, widths);
  return nearestStop(stops, widest * 8);
}

/**
 * Drag to any width, also far beyond what was trained: the transferred hyperparameters per
 * tensor, and a button to train that width with them.
 */
export function TargetWidthPanel() {
  const tuned = useTuned();
  const chosen = useLab((s) => s.targetWidth);
  const setTarget = useLab((s) => s.setTargetWidth);
  if (tuned === null) return null;
  const { config, vocab, hp, log2 } = tuned;
  const widths = config.widths.filter((w) => Number.isInteger(w) && w > 0);
  if (widths.length === 0 || vocab === null) return null;
  const step = widthStep(config.model);
  const width = chosen ?? defaultTarget(widths, step);
  const depth = config.axis === 'width' ? config.model.depth : config.baseDepth;
  const base = shapeFor(config, config.baseWidth, config.baseDepth, vocab);
  const target = shapeFor(config, width, depth, vocab);
  const ps = config.parametrizations;
  const hpName = SWEPT_HP_LABELS[config.sweep.name];
  return (
    <section className="panel target" aria-labelledby="target-title">
      <h2 id="target-title">Transfer to any width</h2>
      <p className="muted">
        {log2 !== undefined
          ? `Tuned at the base width ${config.baseWidth}: ${hpName} = ${fmt.pow2(log2)} (log2 ${fmt.log2(log2)}, the ${PARAMETRIZATION_LABELS[tuned.parametrization]} optimum of the ${metricAxisLabel(tuned.metric)}). `
          : `No tuned value yet: the table uses the base ${hpName} ${fmt.pow2(Math.log2(config.hp[config.sweep.name]))}. `}
        Each tensor&rsquo;s values at the target width follow from the rules of the parametrization.
      </p>
      <WidthSlider
        min={Math.min(...widths)}
        value={width}
        onChange={setTarget}
        step={step}
        marks={widths}
        baseWidth={config.baseWidth}
      />
      <TransferTable
        hp={hp}
        parametrization={ps.length > 1 ? 'both' : ps[0]}
        base={base}
        target={target}
      />
      <TrainTarget width={width} depth={depth} />
      {config.axis === 'width' && <VerifyTarget width={width} />}
    </section>
  );
}
