import { useDeferredValue, useMemo, type RefObject } from 'react';
import { SWEPT_HP_LABELS } from '../../../src/sweep/config';
import type { Parametrization } from '../../../src/mup/rules';
import { buildCharts, lossAxis, type ChartModel } from '../../lib/results';
import { useLab } from '../../store';
import { useSweepList } from '../../sweeps/sweepList';
import { TransferChart } from './TransferChart';
import { shownVerificationWidth, verificationAt } from '../../../src/sweep/verify';

const NO_CHARTS: ChartModel[] = [];
const EMPTY_AXIS = { domain: [0, 5] as [number, number], ticks: [0, 1, 2, 3, 4, 5] };

/** The central chart: SP and µP side by side on one y axis, as the runs finish. */
export function TransferCharts({ chartRef }: { chartRef?: RefObject<HTMLDivElement | null> }) {
  const config = useLab((s) => s.sweep.config);
  const targetRuns = useLab((s) => s.sweep.targetRuns);
  const formHp = useLab((s) => s.config.sweep.name);
  const status = useLab((s) => s.sweep.status);
  const targetWidth = useLab((s) => s.targetWidth);
  const overlay = useSweepList((s) => s.overlay);
  // A kept sweep drawn over this one (dashed), when it swept the same hyperparameter along
  // the same axis; it does not change while it is shown, so it is analysed here once.
  const overlayCharts = useMemo(
    () =>
      overlay &&
      config &&
      overlay.config.sweep.name === config.sweep.name &&
      overlay.config.axis === config.axis
        ? buildCharts(overlay.config, overlay.records)
        : [],
    [overlay, config],
  );
  // Computed off the UI thread (app/analysisClient.ts); the last analysis of this config stays
  // on screen until the next one arrives.
  const analysis = useLab((s) =>
    s.analysis && s.analysis.config === s.sweep.config ? s.analysis : null,
  );
  // Deferred: drawing the charts yields to input (a key press renders first).
  const charts = useDeferredValue(analysis?.charts ?? NO_CHARTS);
  // The verification at the slider's width when there is one, else the latest; from the runs
  // the analysis saw (not every finished run as it lands). Keyed by the width it shows, so that
  // moving the slider does not redo the analysis.
  const verifiedWidth = shownVerificationWidth(targetRuns, targetWidth);
  const verification = useMemo(
    () =>
      analysis && verifiedWidth !== undefined
        ? verificationAt(analysis.config, analysis.records, targetRuns, verifiedWidth)
        : [],
    [analysis, targetRuns, verifiedWidth],
  );
  const verifyIds = useMemo(
    () => new Set(verification.flatMap((v) => v.runs.map((r) => r.id))),
    [verification],
  );
  const axis = useMemo(
    () =>
      lossAxis(
        [...charts, ...overlayCharts],
        targetRuns.map((r) => r.finalLoss ?? NaN),
      ) ?? EMPTY_AXIS,
    [charts, overlayCharts, targetRuns],
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
        Final training loss against log2 {hpName}, one line per {config.axis}; a ring marks each{' '}
        {config.axis}&rsquo;s best point, a triangle its fitted optimum (a bar: ± its bootstrap sd
        over seeds), a shaded band the seed mean ± sd, × a run that diverged
        {targetRuns.length > 0 && ', ★ a target width trained with the transferred value'}.
        {overlay &&
          (overlayCharts.length > 0
            ? ` Dashed: the sweep “${overlay.name}”, overlaid.`
            : ` “${overlay.name}” swept another hyperparameter or axis: it is not overlaid.`)}
      </p>
      <div className={`chart-grid n${charts.length}`} ref={chartRef}>
        {charts.map((model) => (
          <TransferChart
            key={model.parametrization}
            model={model}
            axis={axis}
            partial={running}
            targets={targetRuns.filter(
              (r) => r.parametrization === model.parametrization && !verifyIds.has(r.id),
            )}
            scaledName={config.axis}
            hpName={hpName}
            highlight={targetWidth}
            overlay={overlayOf(model.parametrization)}
            verification={verification.find((v) => v.parametrization === model.parametrization)}
          />
        ))}
      </div>
    </section>
  );
}
