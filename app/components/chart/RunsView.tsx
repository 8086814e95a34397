import { memo, useDeferredValue, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Parametrization } from '../../../src/mup/rules';
import { SWEPT_HP_LABELS, type SweepConfig } from '../../../src/sweep/config';
import type { RunRecord } from '../../../src/sweep/types';
import { figureCaption } from '../../lib/figureCaption';
import * as fmt from '../../lib/format';
import { PARAMETRIZATION_LABELS } from '../../../src/mup/parametrizations';
import { seriesColor } from '../../lib/results';
import {
  filterRuns,
  fullFilter,
  pointFilter,
  runPath,
  runsYRange,
  scaledOfRun,
  shownLine,
  type RunsFilter,
} from '../../lib/runsView';
import { useLab } from '../../store';
import { FigureDownloads } from './FigureDownloads';

/** The section's element id: "Show in Runs view" scrolls to it. */
export const RUNS_VIEW_ID = 'runs-view';

/** The plot's drawing size (CSS pixels; the SVG scales to the panel's width). */
const W = 560;
const H = 260;
const M = { left: 52, right: 12, top: 10, bottom: 38 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

/** About six round step ticks from 1 to `steps`. */
function stepTicks(steps: number): number[] {
  if (steps <= 1) return [1];
  const raw = (steps - 1) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const every = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks = [1];
  for (let t = every; t <= steps; t += every) if (t > 1) ticks.push(Math.round(t));
  return ticks;
}

/** One run's curve: memoised, so a redraw for new runs or filters leaves it alone. */
const RunPath = memo(function RunPath({
  d,
  color,
  title,
}: {
  d: string;
  color: string;
  title: string;
}) {
  return (
    <path
      d={d}
      fill="none"
      stroke={color}
      strokeWidth={1.5}
      strokeOpacity={0.8}
      vectorEffect="non-scaling-stroke"
    >
      <title>{title}</title>
    </path>
  );
});

function runTitle(c: SweepConfig, r: RunRecord): string {
  const what = `${PARAMETRIZATION_LABELS[r.parametrization]}, ${c.axis} ${scaledOfRun(c, r)}, log2 ${SWEPT_HP_LABELS[c.sweep.name]} ${r.log2Hp}, seed ${r.seed}`;
  return r.diverged
    ? `${what}: diverged at step ${r.divergedAtStep ?? '?'}`
    : `${what}: train ${fmt.loss(r.finalLoss)}, validation ${fmt.loss(r.valLoss)}`;
}

/** The curves of one parametrization's shown runs: training loss per step, validation at the end. */
function RunsPlot({
  config,
  parametrization,
  runs,
  range,
  colorOf,
  clipId,
}: {
  config: SweepConfig;
  parametrization: Parametrization;
  runs: RunRecord[];
  range: { domain: [number, number]; ticks: number[] };
  colorOf: (r: RunRecord) => string;
  clipId: string;
}) {
  const steps = config.train.steps;
  const [lo, hi] = range.domain;
  const sx = PLOT_W / Math.max(1, steps - 1);
  const sy = PLOT_H / (hi - lo);
  const x = (step: number) => M.left + (step - 1) * sx;
  const y = (loss: number) => M.top + (hi - Math.min(hi, Math.max(lo, loss))) * sy;
  const label = PARAMETRIZATION_LABELS[parametrization];
  return (
    <figure className="runs-figure" data-testid={`runs-${parametrization}`}>
      <figcaption>
        <h3>{label}</h3>
        <span className="muted">
          {runs.length} run{runs.length === 1 ? '' : 's'}
        </span>
      </figcaption>
      <svg
        data-figure-plot=""
        className="runs-plot"
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        role="img"
        aria-label={`${label}: training loss against step of ${runs.length} runs, a dot at the validation loss after training`}
      >
        <defs>
          <clipPath id={clipId}>
            <rect x={M.left} y={M.top} width={PLOT_W} height={PLOT_H} />
          </clipPath>
        </defs>
        <g className="runs-axes" fontSize={11} fill="var(--muted)">
          {range.ticks.map((t) => (
            <g key={`y${t}`}>
              <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} stroke="var(--grid)" />
              <text x={M.left - 6} y={y(t)} textAnchor="end" dominantBaseline="middle">
                {Number(t.toPrecision(4))}
              </text>
            </g>
          ))}
          {stepTicks(steps).map((t) => (
            <text key={`x${t}`} x={x(t)} y={H - M.bottom + 14} textAnchor="middle">
              {t}
            </text>
          ))}
          <text x={M.left + PLOT_W / 2} y={H - 6} textAnchor="middle">
            step
          </text>
          <text
            transform={`translate(12 ${M.top + PLOT_H / 2}) rotate(-90)`}
            textAnchor="middle"
            dominantBaseline="middle"
          >
            loss
          </text>
        </g>
        <g clipPath={`url(#${clipId})`}>
          {/* Curves in data coordinates: a new range changes this transform, not the paths. */}
          <g transform={`matrix(${sx} 0 0 ${-sy} ${M.left - sx} ${M.top + hi * sy})`}>
            {runs.map((r) => (
              <RunPath key={r.id} d={runPath(r)} color={colorOf(r)} title={runTitle(config, r)} />
            ))}
          </g>
        </g>
        {runs.map((r) => {
          if (r.diverged) {
            const last = r.losses.findIndex((v) => !Number.isFinite(v));
            const n = last < 0 ? r.losses.length : last;
            if (n === 0) return null;
            return (
              <text
                key={r.id}
                className="diverged-mark"
                x={x(n)}
                y={y(r.losses[n - 1])}
                textAnchor="middle"
                dominantBaseline="middle"
                fontSize={12}
                fill={colorOf(r)}
              >
                ×
              </text>
            );
          }
          return r.valLoss === null || !Number.isFinite(r.valLoss) ? null : (
            <circle
              key={r.id}
              className="val-mark"
              cx={x(steps)}
              cy={y(r.valLoss)}
              r={2.5}
              fill={colorOf(r)}
              stroke="var(--panel, #fff)"
              strokeWidth={0.5}
            />
          );
        })}
      </svg>
    </figure>
  );
}

/** A labelled group of checkboxes, one per value of one grid dimension. */
function FilterGroup<T extends string | number>({
  legend,
  values,
  shown,
  labelOf,
  onChange,
}: {
  legend: string;
  values: readonly T[];
  shown: readonly T[];
  labelOf: (v: T) => string;
  onChange: (shown: T[]) => void;
}) {
  const set = new Set<T>(shown);
  return (
    <fieldset className="runs-filter">
      <legend>{legend}</legend>
      {values.map((v) => (
        <label key={String(v)}>
          <input
            type="checkbox"
            checked={set.has(v)}
            onChange={(e) =>
              onChange(
                values.filter((w) => (w === v ? e.currentTarget.checked : set.has(w))) as T[],
              )
            }
          />{' '}
          {labelOf(v)}
        </label>
      ))}
    </fieldset>
  );
}

/**
 * "Runs": every finished run's loss curve, one panel per parametrization on a shared y range,
 * coloured by width (dark narrow, light wide), filtered by parametrization, width, learning rate
 * and seed. Subscribes to the sweep's records (the store batches them) and draws each curve as
 * one memoised SVG path, so hundreds of runs stay cheap.
 */
export function RunsView() {
  const config = useLab((s) => s.sweep.config);
  const liveRecords = useLab((s) => s.sweep.records);
  const focus = useLab((s) => s.runsFocus);
  // Drawing yields to input: a key press renders before the curves.
  const records = useDeferredValue(liveRecords);
  const titleId = useId();
  const clipBase = useId().replace(/[^A-Za-z0-9_-]/g, '');
  const figureRef = useRef<HTMLDivElement>(null);
  // The filter belongs to the config and the focus request it was set for: another sweep starts
  // with every run shown, a "Show in Runs view" from a clicked point with that point's runs.
  const seq = focus?.seq ?? 0;
  const [chosen, setChosen] = useState<{
    config: SweepConfig;
    seq: number;
    filter: RunsFilter;
  } | null>(null);
  const filter = useMemo(() => {
    if (!config) return null;
    if (chosen?.config === config && chosen.seq === seq) return chosen.filter;
    return focus?.config === config
      ? pointFilter(config, focus.parametrization, focus.log2)
      : fullFilter(config);
  }, [config, chosen, focus, seq]);

  const shown = useMemo(
    () => (config && filter ? filterRuns(config, records, filter) : []),
    [config, records, filter],
  );
  const range = useMemo(() => runsYRange(shown), [shown]);
  if (!config || !filter) return null;
  const all = fullFilter(config);
  const colorOf = (r: RunRecord) =>
    seriesColor(all.scaled.indexOf(scaledOfRun(config, r)), all.scaled.length);
  const update = (patch: Partial<RunsFilter>) =>
    setChosen({ config, seq, filter: { ...filter, ...patch } });
  const hpName = SWEPT_HP_LABELS[config.sweep.name];
  const drawnPs = filter.parametrizations.filter((p) => shown.some((r) => r.parametrization === p));
  let body: ReactNode;
  if (records.length === 0) body = <p className="muted">No run has finished yet.</p>;
  else if (!range || drawnPs.length === 0)
    body = <p className="muted">No run matches these filters.</p>;
  else
    body = (
      <>
        <div className={`chart-grid n${drawnPs.length}`} ref={figureRef}>
          {drawnPs.map((p) => (
            <RunsPlot
              key={p}
              config={config}
              parametrization={p}
              runs={shown.filter((r) => r.parametrization === p)}
              range={range}
              colorOf={colorOf}
              clipId={`${clipBase}-${p}`}
            />
          ))}
          <ul className="legend" data-figure-note aria-label={`Lines by ${config.axis}`}>
            {filter.scaled.map((s) => (
              <li key={s}>
                <span
                  className="swatch"
                  style={{ background: seriesColor(all.scaled.indexOf(s), all.scaled.length) }}
                  aria-hidden="true"
                />
                {config.axis} {s}
              </li>
            ))}
            <li>● validation loss after training · × where a run diverged</li>
          </ul>
          <p className="muted" data-figure-note data-testid="runs-shown">
            {shownLine(shown, records.length)} (log2 {hpName}{' '}
            {filter.log2s.length === all.log2s.length ? 'all' : filter.log2s.join(', ')}; seeds{' '}
            {filter.seeds.join(', ')})
          </p>
          <p className="figure-caption muted" data-figure-caption>
            {figureCaption(config, 'training loss at every step; validation loss after training')}
          </p>
        </div>
        <FigureDownloads target={figureRef} what="runs" stem="mup-lab_runs" />
      </>
    );
  return (
    <section className="panel runs-view" aria-labelledby={titleId} id={RUNS_VIEW_ID}>
      <h2 id={titleId}>Runs</h2>
      <p className="muted">
        Every finished run&rsquo;s training loss against step (a dot: its validation loss after
        training), coloured by {config.axis} from dark (narrow) to light (wide); SP and µP share the
        y range, which ends at the first step&rsquo;s loss. Hover a curve for its run.
      </p>
      <div className="runs-filters" role="group" aria-label="Filter runs">
        <FilterGroup
          legend="Parametrization"
          values={all.parametrizations}
          shown={filter.parametrizations}
          labelOf={(p) => PARAMETRIZATION_LABELS[p]}
          onChange={(parametrizations) => update({ parametrizations })}
        />
        <FilterGroup
          legend={config.axis === 'depth' ? 'Depth' : 'Width'}
          values={all.scaled}
          shown={filter.scaled}
          labelOf={(s) => `${config.axis} ${s}`}
          onChange={(scaled) => update({ scaled })}
        />
        <FilterGroup
          legend={`log2 ${hpName}`}
          values={all.log2s}
          shown={filter.log2s}
          labelOf={(v) => `log2 ${hpName} ${v}`}
          onChange={(log2s) => update({ log2s })}
        />
        <FilterGroup
          legend="Seed"
          values={all.seeds}
          shown={filter.seeds}
          labelOf={(s) => `seed ${s}`}
          onChange={(seeds) => update({ seeds })}
        />
        <button
          type="button"
          className="secondary"
          onClick={() => setChosen({ config, seq, filter: all })}
        >
          Show every run
        </button>
      </div>
      {body}
    </section>
  );
}
