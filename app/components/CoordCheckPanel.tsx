import { useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { sequentialColor } from '../lib/figureScale';
import {
  COORD_LAYER_LABELS,
  COORD_LAYERS,
  coordSeries,
  coordSteps,
  coordVerdictLines,
  type CoordLayer,
  type CoordRecord,
} from '../../src/analysis/coordVerdict';
import {
  PARAMETRIZATION_LABELS,
  PARAMETRIZATIONS,
  type Parametrization,
} from '../../src/mup/parametrizations';
import { FigureDownloads } from './chart/FigureDownloads';
import { formatValue } from './TransferTable';
import './exportImport.css';

export const LAYER_COLORS: Record<CoordLayer, string> = {
  embedding: '#1c7ed6',
  attnLogits: '#e8590c',
  attnOutput: '#2f9e44',
  mlpOutput: '#ae3ec9',
  blockOutput: '#868e96',
  readoutLogits: '#e03131',
};

type Row = { width: number } & Partial<Record<CoordLayer, number>>;

/** Chart rows for one parametrization and step: one row per width, one column per layer. */
export function coordChartRows(
  records: readonly CoordRecord[],
  parametrization: Parametrization,
  step: number,
): Row[] {
  const rows = new Map<number, Row>();
  for (const layer of COORD_LAYERS) {
    for (const { width, meanAbs } of coordSeries(records, parametrization, layer, step)) {
      const row = rows.get(width) ?? { width };
      row[layer] = meanAbs;
      rows.set(width, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.width - b.width);
}

/** The columns of one view's rows: layer types at a step, or steps of one layer type. */
export type CoordView = { kind: 'layers'; step: number } | { kind: 'steps'; layer: CoordLayer };

/**
 * Chart rows of one layer type, one column per step (`s1`, `s2`, ...), one row per width: mup's
 * plot_coord_data view, where a line per step shows the activations' growth over training.
 */
export function coordStepRows(
  records: readonly CoordRecord[],
  parametrization: Parametrization,
  layer: CoordLayer,
): ({ width: number } & Record<string, number>)[] {
  const rows = new Map<number, { width: number } & Record<string, number>>();
  for (const step of coordSteps(records)) {
    for (const { width, meanAbs } of coordSeries(records, parametrization, layer, step)) {
      const row = rows.get(width) ?? { width };
      row[`s${step}`] = meanAbs;
      rows.set(width, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.width - b.width);
}

/** One view's lines: data key, legend label and colour (steps dark to light, in order). */
export function coordLines(
  records: readonly CoordRecord[],
  view: CoordView,
): { key: string; label: string; color: string }[] {
  if (view.kind === 'steps') {
    const steps = coordSteps(records);
    return steps.map((s, i) => ({
      key: `s${s}`,
      label: `step ${s}`,
      color: sequentialColor(i, steps.length),
    }));
  }
  return COORD_LAYERS.filter((l) => records.some((r) => r.layer === l && r.step === view.step)).map(
    (l) => ({ key: l, label: COORD_LAYER_LABELS[l], color: LAYER_COLORS[l] }),
  );
}

function viewRows(
  records: readonly CoordRecord[],
  parametrization: Parametrization,
  view: CoordView,
) {
  return view.kind === 'steps'
    ? coordStepRows(records, parametrization, view.layer)
    : coordChartRows(records, parametrization, view.step);
}

/**
 * A log axis: the domain rounded out to powers of ten and ticks on them, with 2 and 5 between
 * when the data spans at most two decades (so a flat µP chart still has labelled ticks).
 */
export function logAxis(values: readonly number[]): { domain: [number, number]; ticks: number[] } {
  const pos = values.filter((v) => Number.isFinite(v) && v > 0);
  if (pos.length === 0) return { domain: [0.1, 10], ticks: [0.1, 1, 10] };
  const lo = Math.floor(Math.log10(Math.min(...pos)) + 1e-9);
  let hi = Math.ceil(Math.log10(Math.max(...pos)) - 1e-9);
  if (hi <= lo) hi = lo + 1;
  const decades = hi - lo;
  const every = Math.max(1, Math.ceil(decades / 8));
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) {
    const p = Number((10 ** k).toPrecision(12));
    if ((k - lo) % every === 0 || k === hi) ticks.push(p);
    if (decades <= 2 && k < hi)
      ticks.push(Number((2 * p).toPrecision(12)), Number((5 * p).toPrecision(12)));
  }
  return { domain: [ticks[0], ticks[ticks.length - 1]], ticks };
}

/** Most widths a check trains: each is a few steps of a model. */
const MAX_COORD_WIDTHS = 8;
const MAX_COORD_WIDTH = 2048;

/** The width list's hint: the sweep's widths, only while the form is valid (a half-typed list holds NaN). */
export function coordWidthsHint(widths: readonly number[], valid: boolean): string | undefined {
  return valid ? widths.join(', ') : undefined;
}

/**
 * The coordinate check's own widths from the field's text ("16, 32, 64"): sorted, or a one-line
 * message naming the field.
 */
export function parseCoordWidths(text: string, step: number): number[] | string {
  const parts = text
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean);
  if (parts.length < 2)
    return 'Coordinate check width list: give at least two widths, e.g. 16, 32, 64.';
  if (parts.length > MAX_COORD_WIDTHS)
    return `Coordinate check width list: at most ${MAX_COORD_WIDTHS} widths.`;
  const widths: number[] = [];
  for (const p of parts) {
    const w = Number(p);
    if (!Number.isInteger(w) || w < step || w > MAX_COORD_WIDTH || w % step !== 0)
      return `Coordinate check width list: “${p}” is not a multiple of ${step} from ${step} to ${MAX_COORD_WIDTH}.`;
    widths.push(w);
  }
  const sorted = [...new Set(widths)].sort((a, b) => a - b);
  if (sorted.length < 2) return 'Coordinate check width list: give at least two different widths.';
  return sorted;
}

export interface CoordCheckPanelProps {
  records: readonly CoordRecord[];
  running: boolean;
  onRun: () => void;
  /** What the records' scaled value is: 'width' (default) or 'depth'. */
  axisName?: string;
  /** Settings of the next check (its widths), shown under the heading. */
  controls?: ReactNode;
  /** One line stating what the shown check trained (the exported figure's caption). */
  caption?: string;
}

function CoordChart({
  records,
  parametrization,
  view,
  y,
  axisName,
}: {
  records: readonly CoordRecord[];
  parametrization: Parametrization;
  view: CoordView;
  /** The y axis, shared by SP and µP. */
  y: { domain: [number, number]; ticks: number[] };
  axisName: string;
}) {
  const rows = useMemo(
    () => viewRows(records, parametrization, view),
    [records, parametrization, view],
  );
  const lines = coordLines(records, view).filter((l) =>
    rows.some((r) => (r as Record<string, number>)[l.key] !== undefined),
  );
  const widths = rows.map((r) => r.width);
  const label = PARAMETRIZATION_LABELS[parametrization];
  const what = view.kind === 'steps' ? COORD_LAYER_LABELS[view.layer] : `step ${view.step}`;
  return (
    <figure className="coord-chart" data-parametrization={parametrization}>
      <figcaption>
        <h3>
          {label}, {what}
        </h3>
      </figcaption>
      {rows.length === 0 ? (
        <p className="muted">No positive values to plot here.</p>
      ) : (
        <>
          <LineChart
            responsive
            style={{ width: '100%', height: 260 }}
            data={rows}
            margin={{ top: 8, right: 16, bottom: 24, left: 8 }}
            accessibilityLayer
          >
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              dataKey="width"
              type="number"
              scale="log"
              domain={[Math.min(...widths), Math.max(...widths)]}
              ticks={widths}
              allowDataOverflow
              label={{ value: axisName, position: 'insideBottom', offset: -12 }}
            />
            <YAxis
              type="number"
              scale="log"
              domain={y.domain}
              ticks={y.ticks}
              allowDataOverflow
              tickFormatter={(v: number) => formatValue(v)}
              width={64}
              label={{ value: 'mean |x|', angle: -90, position: 'insideLeft' }}
            />
            <Tooltip
              formatter={(v) => (typeof v === 'number' ? formatValue(v) : String(v))}
              labelFormatter={(w) => `${axisName} ${String(w)}`}
            />
            {lines.map((l) => (
              <Line
                key={l.key}
                type="linear"
                dataKey={l.key}
                name={l.label}
                stroke={l.color}
                strokeWidth={2}
                dot={{ r: 3, fill: l.color }}
                isAnimationActive={false}
                connectNulls
              />
            ))}
          </LineChart>
          {/* Outside the plot, so that it never hides a line. */}
          <ul className="legend" aria-label={`${label} lines`}>
            {lines.map((l) => (
              <li key={l.key}>
                <span className="swatch" style={{ background: l.color }} aria-hidden="true" />
                {l.label}
              </li>
            ))}
          </ul>
        </>
      )}
    </figure>
  );
}

/**
 * Coordinate check: mean |activation| per layer type against width (log-log) at a chosen step,
 * SP and µP side by side, and a verdict line per parametrization from the log-log slopes at
 * the last step.
 */
export function CoordCheckPanel({
  records,
  running,
  onRun,
  axisName = 'width',
  controls,
  caption,
}: CoordCheckPanelProps) {
  const figureRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const stepId = useId();
  const steps = useMemo(() => coordSteps(records), [records]);
  const layerId = useId();
  const [chosen, setChosen] = useState<number | null>(null);
  const step = chosen !== null && steps.includes(chosen) ? chosen : steps[steps.length - 1];
  // 'steps': one line per step of one layer type (mup's plot_coord_data); 'layers': one line per
  // layer type at one step.
  const [lineKind, setLineKind] = useState<'steps' | 'layers'>('steps');
  const present = useMemo(
    () => COORD_LAYERS.filter((l) => records.some((r) => r.layer === l)),
    [records],
  );
  const [layerChoice, setLayerChoice] = useState<CoordLayer>('readoutLogits');
  const layer = present.includes(layerChoice) ? layerChoice : (present[0] ?? layerChoice);
  const view: CoordView = useMemo(
    () => (lineKind === 'steps' ? { kind: 'steps', layer } : { kind: 'layers', step }),
    [lineKind, layer, step],
  );
  const params = useMemo(
    () => PARAMETRIZATIONS.filter((p) => records.some((r) => r.parametrization === p)),
    [records],
  );
  const verdict = useMemo(() => coordVerdictLines(records, { axisName }), [records, axisName]);
  // One y range for SP and µP, so that their scales compare at a glance.
  const y = useMemo(
    () =>
      logAxis(
        params.flatMap((p) =>
          viewRows(records, p, view).flatMap((r) =>
            Object.entries(r)
              .filter(([k]) => k !== 'width')
              .map(([, v]) => v as number),
          ),
        ),
      ),
    [records, params, view],
  );

  return (
    <section className="panel coord-panel" aria-labelledby={titleId} aria-busy={running}>
      <div className="panel-head">
        <h2 id={titleId}>Coordinate check</h2>
        <button type="button" onClick={onRun} disabled={running}>
          {running ? 'Running…' : records.length > 0 ? 'Run again' : 'Run coordinate check'}
        </button>
      </div>
      <p className="muted">
        Mean |activation| after each of the first training steps against {axisName} on log-log axes,
        one line per step of a layer type (as mup&rsquo;s <code>plot_coord_data</code>) or per layer
        type at a step; SP and µP share the y range. Under µP the lines are flat; under SP some grow
        with width (with depth scaling none, the residual stream grows with depth; depth-µP and
        CompleteP keep it flat).
      </p>
      {controls}
      {records.length === 0 ? (
        <p className="muted">{running ? 'Training each width for a few steps…' : 'No data yet.'}</p>
      ) : (
        <>
          <div className="coord-step">
            <fieldset className="coord-lines">
              <legend>One line per</legend>
              <label>
                <input
                  type="radio"
                  checked={lineKind === 'steps'}
                  onChange={() => setLineKind('steps')}
                />{' '}
                step
              </label>
              <label>
                <input
                  type="radio"
                  checked={lineKind === 'layers'}
                  onChange={() => setLineKind('layers')}
                />{' '}
                layer type
              </label>
            </fieldset>
            {lineKind === 'steps' ? (
              <>
                <label htmlFor={layerId}>Layer type</label>
                <select
                  id={layerId}
                  value={layer}
                  onChange={(e) => setLayerChoice(e.currentTarget.value as CoordLayer)}
                >
                  {present.map((l) => (
                    <option key={l} value={l}>
                      {COORD_LAYER_LABELS[l]}
                    </option>
                  ))}
                </select>
              </>
            ) : (
              steps.length > 1 && (
                <>
                  <label htmlFor={stepId}>Step</label>
                  <select
                    id={stepId}
                    value={step}
                    onChange={(e) => setChosen(Number(e.currentTarget.value))}
                  >
                    {steps.map((s) => (
                      <option key={s} value={s}>
                        {s}
                        {s === steps[steps.length - 1] ? ' (last)' : ''}
                      </option>
                    ))}
                  </select>
                </>
              )
            )}
          </div>
          <div ref={figureRef} className="coord-figure">
            <div className="coord-charts">
              {params.map((p) => (
                <CoordChart
                  key={p}
                  records={records}
                  parametrization={p}
                  view={view}
                  y={y}
                  axisName={axisName}
                />
              ))}
            </div>
            <ul
              className="coord-verdict"
              role="status"
              aria-label="Coordinate check verdict"
              data-figure-note
            >
              {verdict.map((v) => (
                <li key={v.parametrization} className={v.ok ? 'coord-flat' : 'coord-grows'}>
                  {v.text}
                </li>
              ))}
            </ul>
            {caption && (
              <p className="figure-caption muted" data-figure-caption data-testid="coord-caption">
                {caption}
              </p>
            )}
          </div>
          <FigureDownloads target={figureRef} what="coordinate check" stem="mup-lab_coord-check" />
        </>
      )}
    </section>
  );
}
