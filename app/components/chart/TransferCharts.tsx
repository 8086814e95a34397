import { useDeferredValue, useMemo, useState, type RefObject } from 'react';
import { SWEPT_HP_LABELS } from '../../../src/sweep/config';
import { PARAMETRIZATION_LABELS, type Parametrization } from '../../../src/mup/parametrizations';
import { baseScaleOf, buildCharts, type ChartModel } from '../../lib/results';
import { yRange } from '../../lib/figureScale';
import { figureCaption } from '../../lib/figureCaption';
import { metricAxisLabel, metricLabel, withMetric } from '../../../src/analysis/metric';
import { useLab } from '../../store';
import { shownVerificationWidth, verificationAt } from '../../../src/sweep/verify';
import { useSweepList } from '../../sweeps/sweepList';
import { RunCurves } from './RunCurves';
import { RUNS_VIEW_ID } from './RunsView';
import { TransferChart } from './TransferChart';

const NO_CHARTS: ChartModel[] = [];
const EMPTY_AXIS = { domain: [0, 5] as [number, number], ticks: [0, 1, 2, 3, 4, 5] };

/**
 * What the shared y range is computed from: every seed-mean loss and band end of the charts,
 * and the base width's loss at the low edge of its grid (the robust upper reference).
 */
export function rangeInput(charts: ChartModel[], base: number, extra: number[] = []) {
  const cells = charts.flatMap((ch) => ch.series.flatMap((s) => s.cells));
  const references = charts.flatMap((ch) => {
    const first = ch.series.find((s) => s.scaled === base)?.cells.find((c) => c.loss !== null);
    return first?.loss != null ? [first.loss] : [];
  });
  return {
    losses: [...cells.flatMap((c) => (c.loss === null ? [] : [c.loss])), ...extra],
    extents: cells.flatMap((c) =>
      c.loss === null || c.sd === null ? [] : [c.loss - c.sd, c.loss + c.sd],
    ),
    references,
  };
}

/** The central chart: SP and µP side by side on one y axis, as the runs finish. */
export function TransferCharts({ chartRef }: { chartRef?: RefObject<HTMLDivElement | null> }) {
  const config = useLab((s) => s.sweep.config);
  const targetRuns = useLab((s) => s.sweep.targetRuns);
  const formHp = useLab((s) => s.config.sweep.name);
  const status = useLab((s) => s.sweep.status);
  const targetWidth = useLab((s) => s.targetWidth);
  const overlay = useSweepList((s) => s.overlay);
  // In the store: the export reads its optima on the metric the figure shows.
  const metric = useLab((s) => s.metric);
  const setMetric = useLab((s) => s.setMetric);
  const showRunsAt = useLab((s) => s.showRunsAt);
  // A grid value picked by a click on a chart: its runs' loss curves are shown below.
  const [picked, setPicked] = useState<{ p: Parametrization; log2: number } | null>(null);
  // Computed off the UI thread (app/analysisClient.ts), for both metrics; the last analysis of
  // this config stays on screen until the next one arrives.
  const analysis = useLab((s) =>
    s.analysis && s.analysis.config === s.sweep.config ? s.analysis : null,
  );
  const records = analysis?.records ?? [];
  // Deferred: drawing the charts yields to input (a key press renders first).
  const charts = useDeferredValue(
    (metric === 'val' ? analysis?.valCharts : analysis?.charts) ?? NO_CHARTS,
  );
  // The verification at the slider's width when there is one, else the latest; from the runs
  // the analysis saw (not every finished run as it lands). Keyed by the width it shows, so that
  // moving the slider does not redo the analysis.
  const verifiedWidth = shownVerificationWidth(targetRuns, targetWidth);
  const verification = useMemo(
    () =>
      analysis && verifiedWidth !== undefined
        ? verificationAt(
            analysis.config,
            withMetric(analysis.records, metric),
            withMetric(targetRuns, metric),
            verifiedWidth,
          )
        : [],
    [analysis, targetRuns, verifiedWidth, metric],
  );
  const verifyIds = useMemo(
    () => new Set(verification.flatMap((v) => v.runs.map((r) => r.id))),
    [verification],
  );
  // A kept sweep drawn over this one (dashed), when it swept the same hyperparameter along
  // the same axis.
  const overlayCharts = useMemo(
    () =>
      overlay &&
      config &&
      overlay.config.sweep.name === config.sweep.name &&
      overlay.config.axis === config.axis
        ? buildCharts(overlay.config, withMetric(overlay.records, metric))
        : [],
    [overlay, config, metric],
  );
  // The figure's y range: clipped to the informative region unless the user asks for all of it.
  const [clip, setClip] = useState(true);
  const [logY, setLogY] = useState(false);
  const axis = useMemo(
    () =>
      (config &&
        yRange(
          rangeInput(
            [...charts, ...overlayCharts],
            baseScaleOf(config),
            withMetric(targetRuns, metric).flatMap((r) =>
              r.finalLoss === null || r.diverged ? [] : [r.finalLoss],
            ),
          ),
          { clip, log: logY },
        )) ??
      EMPTY_AXIS,
    [charts, overlayCharts, targetRuns, config, clip, logY, metric],
  );
  if (!config) {
    return (
      <section className="panel charts empty" aria-labelledby="transfer-title">
        <h2 id="transfer-title">Transfer</h2>
        <p className="muted">
          Run a sweep to see the final loss against the {SWEPT_HP_LABELS[formHp]}, one line per
          width. Under µP the optima of all widths sit on top of each other; under SP they drift as
          the model grows.
        </p>
      </section>
    );
  }
  const hpName = SWEPT_HP_LABELS[config.sweep.name];
  const overlayOf = (p: Parametrization) => {
    const model = overlayCharts.find((o) => o.parametrization === p);
    return overlay && model ? { model, name: overlay.name } : undefined;
  };
  const running = status === 'running' || status === 'paused';
  return (
    <section className="panel charts" aria-labelledby="transfer-title">
      <h2 id="transfer-title">Transfer</h2>
      <p className="muted">
        The {metricLabel(metric)} against log2 {hpName}, one line per {config.axis}; a ring marks
        each {config.axis}&rsquo;s best point, a triangle its fitted optimum (a bar: ± its bootstrap
        sd over seeds), a shaded band the seed mean ± sd, × a point where every seed diverged, △ at
        the top a point above the clipped y range; colours run dark (narrow) to light (wide)
        {targetRuns.length > 0 && ', ★ a target width trained with the transferred value'}.
        {overlay &&
          (overlayCharts.length > 0
            ? ` Dashed: the sweep “${overlay.name}”, overlaid.`
            : ` “${overlay.name}” swept another hyperparameter or axis: it is not overlaid.`)}
      </p>
      <div className="chart-options" role="group" aria-label="Y axis">
        <label>
          Loss{' '}
          <select
            aria-label="Loss metric"
            value={metric}
            onChange={(e) => setMetric(e.currentTarget.value === 'train' ? 'train' : 'val')}
          >
            <option value="val">validation (held-out split)</option>
            <option value="train">training (mean of the last 10 steps)</option>
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            checked={clip}
            onChange={(e) => setClip(e.currentTarget.checked)}
          />{' '}
          Clip y to the informative range
        </label>
        <label>
          <input
            type="checkbox"
            checked={logY}
            onChange={(e) => setLogY(e.currentTarget.checked)}
          />{' '}
          Log y
        </label>
        <span className="muted">SP and µP share this y range.</span>
      </div>
      <div className={`chart-grid n${charts.length}`} ref={chartRef}>
        {charts.map((model) => (
          <TransferChart
            key={model.parametrization}
            model={model}
            axis={axis}
            partial={running}
            targets={withMetric(targetRuns, metric).filter(
              (r) => r.parametrization === model.parametrization && !verifyIds.has(r.id),
            )}
            yLabel={metricAxisLabel(metric)}
            onPickHp={(log2) => setPicked({ p: model.parametrization, log2 })}
            scaledName={config.axis}
            hpName={hpName}
            highlight={targetWidth}
            overlay={overlayOf(model.parametrization)}
            verification={verification.find((v) => v.parametrization === model.parametrization)}
          />
        ))}
        <p className="figure-caption muted" data-figure-caption data-testid="figure-caption">
          {figureCaption(config, metricLabel(metric))}
        </p>
      </div>
      {picked && (
        <RunCurves
          runs={records.filter((r) => r.parametrization === picked.p && r.log2Hp === picked.log2)}
          series={charts.find((c) => c.parametrization === picked.p)?.series ?? []}
          scaledOf={(r) => (config.axis === 'depth' ? r.depth : r.width)}
          title={`${PARAMETRIZATION_LABELS[picked.p]}, log2 ${hpName} ${picked.log2}: training loss of each run`}
          onClose={() => setPicked(null)}
          onShowAll={() => {
            showRunsAt(config, picked.p, picked.log2);
            document.getElementById(RUNS_VIEW_ID)?.scrollIntoView({ block: 'start' });
          }}
        />
      )}
    </section>
  );
}
