import { useMemo } from 'react';
import { SWEPT_HP_LABELS } from '../../../src/sweep/config';
import { horizonAnalysis } from '../../../src/sweep/horizon';
import type { ParametrizationAnalysis } from '../../../src/sweep/analysis';
import { lossAxis, seriesColor, type ChartModel, type Series } from '../../lib/results';
import { useLab } from '../../store';
import { TransferChart } from './TransferChart';

/** One line per horizon (step count), from the analysis's curves. */
function seriesOf(a: ParametrizationAnalysis): Series[] {
  return a.optima.map((o, i) => ({
    scaled: o.width,
    color: seriesColor(i),
    optimum: o,
    cells: o.curve.map((p) => ({
      log2: p.log2,
      loss: p.diverged ? null : p.loss,
      diverged: p.diverged,
      divergedAtStep: null,
      seeds: p.n,
      sd: p.n >= 2 ? p.sd : null,
    })),
  }));
}

/**
 * "Transfer across → training length": the loss against the swept hyperparameter after a
 * quarter, half and all of the steps, at the widest trained width, for SP and µP; the drift
 * of the optimum per doubling of the step count and the penalty of tuning at the shortest one.
 */
export function HorizonCharts() {
  const config = useLab((s) => s.sweep.config);
  const records = useLab((s) => s.sweep.records);
  const status = useLab((s) => s.sweep.status);
  const result = useMemo(
    () => (config ? horizonAnalysis(config, records) : undefined),
    [config, records],
  );
  if (!config || !result) return null;
  const hpName = SWEPT_HP_LABELS[config.sweep.name];
  if (!result.ok) {
    return (
      <section className="panel charts" aria-labelledby="horizon-title">
        <h2 id="horizon-title">Transfer across → training length</h2>
        <p className="muted" data-testid="horizon-note">
          {result.reason}
        </p>
      </section>
    );
  }
  const { horizon } = result;
  const charts: ChartModel[] = horizon.analyses.map((a) => ({
    parametrization: a.parametrization as ChartModel['parametrization'],
    series: seriesOf(a),
    analysis: a,
    grid: a.optima[0]?.curve.map((p) => p.log2) ?? [],
    finished: records.filter(
      (r) =>
        r.parametrization === a.parametrization &&
        (config.axis === 'depth' ? r.depth : r.width) === horizon.scaled,
    ).length,
  }));
  const axis = lossAxis(charts);
  if (!axis) return null;
  return (
    <section className="panel charts" aria-labelledby="horizon-title" data-testid="horizon">
      <h2 id="horizon-title">Transfer across → training length</h2>
      <p className="muted">
        The same runs at {config.axis} {horizon.scaled}, read after {horizon.steps.join(', ')} steps
        (constant schedule: the first steps of a run are a shorter run). Does the best {hpName} move
        with the training length? The penalty is that of tuning at {horizon.steps[0]} steps and
        training for {horizon.steps[horizon.steps.length - 1]}.
      </p>
      <div className={`chart-grid n${charts.length}`}>
        {charts.map((model) => (
          <TransferChart
            key={model.parametrization}
            model={model}
            axis={axis}
            partial={status === 'running' || status === 'paused'}
            targets={[]}
            scaledName="steps"
            hpName={hpName}
            idPrefix="horizon-"
          />
        ))}
      </div>
    </section>
  );
}
