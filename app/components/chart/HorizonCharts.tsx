import { useMemo, useRef } from 'react';
import { FINAL_LOSS_WINDOW } from '../../../src/analysis/metric';
import { figureCaption } from '../../lib/figureCaption';
import { FigureDownloads } from './FigureDownloads';
import { SWEPT_HP_LABELS } from '../../../src/sweep/config';
import { planHorizonRuns } from '../../../src/sweep/horizon';
import type { ParametrizationAnalysis } from '../../../src/analysis/analysis';
import { lossAxis, seriesColor, type ChartModel, type Series } from '../../lib/results';
import { useLab } from '../../store';
import { HorizonRuns } from './HorizonRuns';
import { TransferChart } from './TransferChart';

/** One line per horizon (step count), from the analysis's curves. */
function seriesOf(a: ParametrizationAnalysis): Series[] {
  return a.optima.map((o, i) => ({
    scaled: o.width,
    color: seriesColor(i, a.optima.length),
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

/** What the horizon charts plot, as their caption states it. */
export function horizonMetric(
  h: { steps: number[]; scaled: number; separate: boolean },
  axis: string,
): string {
  return `final training loss (mean of the last ${FINAL_LOSS_WINDOW} steps) after ${h.steps.join(', ')} steps at ${axis} ${h.scaled}, ${h.separate ? 'each length a run of its own' : 'read off the same runs'}`;
}

/**
 * "Transfer across → training length": the loss against the swept hyperparameter after a
 * quarter, half and all of the steps, at the widest trained width, for SP and µP; the drift
 * of the optimum per doubling of the step count and the penalty of tuning at the shortest one.
 * Under a constant schedule they are read off the sweep's runs; under cosine they are runs of
 * their own (HorizonRuns trains them).
 */
export function HorizonCharts() {
  const figureRef = useRef<HTMLDivElement>(null);
  const config = useLab((s) => s.sweep.config);
  const records = useLab((s) => s.sweep.records);
  const horizonRuns = useLab((s) => s.sweep.horizonRuns);
  const status = useLab((s) => s.sweep.status);
  const training = useLab((s) => s.horizon.status !== 'idle');
  // Computed off the UI thread with the transfer charts (app/analysisClient.ts).
  const result = useLab((s) =>
    s.analysis && s.analysis.config === s.sweep.config ? s.analysis.horizon : undefined,
  );
  const plan = useMemo(() => (config ? planHorizonRuns(config) : []), [config]);
  if (!config || !result) return null;
  const hpName = SWEPT_HP_LABELS[config.sweep.name];
  const widest = plan[0] ? (config.axis === 'depth' ? plan[0].depth : plan[0].width) : 0;
  // Offered once the sweep has runs to compare with (the full length is the sweep's own).
  const runs = plan.length > 0 && records.length > 0 && (
    <HorizonRuns plan={plan} scaled={`${config.axis} ${widest}`} />
  );
  if (!result.ok) {
    return (
      <section className="panel charts" aria-labelledby="horizon-title" data-testid="horizon">
        <h2 id="horizon-title">Transfer across → training length</h2>
        <p className="muted" data-testid="horizon-note">
          {result.reason}
        </p>
        {runs}
      </section>
    );
  }
  const { horizon } = result;
  const scaledOf = (r: (typeof records)[number]) => (config.axis === 'depth' ? r.depth : r.width);
  const charts: ChartModel[] = horizon.analyses.map((a) => ({
    parametrization: a.parametrization as ChartModel['parametrization'],
    series: seriesOf(a),
    analysis: a,
    grid: a.optima[0]?.curve.map((p) => p.log2) ?? [],
    finished: [...records, ...(horizon.separate ? horizonRuns : [])].filter(
      (r) => r.parametrization === a.parametrization && scaledOf(r) === horizon.scaled,
    ).length,
  }));
  const axis = lossAxis(charts);
  if (!axis) return null;
  return (
    <section className="panel charts" aria-labelledby="horizon-title" data-testid="horizon">
      <h2 id="horizon-title">Transfer across → training length</h2>
      <p className="muted">
        {horizon.separate ? (
          <>
            Runs at {config.axis} {horizon.scaled} of {horizon.steps.join(', ')} steps, each with
            its own cosine schedule.
          </>
        ) : (
          <>
            The same runs at {config.axis} {horizon.scaled}, read after {horizon.steps.join(', ')}{' '}
            steps (constant schedule: the first steps of a run are a shorter run).
          </>
        )}{' '}
        Does the best {hpName} move with the training length? The penalty is that of tuning at{' '}
        {horizon.steps[0]} steps and training for {horizon.steps[horizon.steps.length - 1]}.
      </p>
      <div className={`chart-grid n${charts.length}`} ref={figureRef}>
        {charts.map((model) => (
          <TransferChart
            key={model.parametrization}
            model={model}
            axis={axis}
            partial={status === 'running' || status === 'paused' || training}
            targets={[]}
            scaledName="steps"
            hpName={hpName}
            idPrefix="horizon-"
          />
        ))}
        <p className="figure-caption muted" data-figure-caption data-testid="horizon-caption">
          {figureCaption(config, horizonMetric(horizon, config.axis))}
        </p>
      </div>
      <FigureDownloads target={figureRef} what="horizon chart" stem="mup-lab_horizon" />
      {runs}
    </section>
  );
}
