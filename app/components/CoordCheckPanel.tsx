import { useId, useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import {
  COORD_LAYER_LABELS,
  COORD_LAYERS,
  coordSeries,
  coordSteps,
  coordVerdictLines,
  PARAMETRIZATION_LABELS,
  type CoordLayer,
  type CoordRecord,
} from '../../src/sweep/coordVerdict';
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
  parametrization: string,
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

export interface CoordCheckPanelProps {
  records: readonly CoordRecord[];
  running: boolean;
  onRun: () => void;
  /** What the records' scaled value is: 'width' (default) or 'depth'. */
  axisName?: string;
}

function CoordChart({
  records,
  parametrization,
  step,
  axisName,
}: {
  records: readonly CoordRecord[];
  parametrization: string;
  step: number;
  axisName: string;
}) {
  const rows = useMemo(
    () => coordChartRows(records, parametrization, step),
    [records, parametrization, step],
  );
  const layers = COORD_LAYERS.filter((l) => rows.some((r) => r[l] !== undefined));
  const widths = rows.map((r) => r.width);
  const y = logAxis(rows.flatMap((r) => layers.map((l) => r[l] ?? NaN)));
  const label = PARAMETRIZATION_LABELS[parametrization] ?? parametrization;
  return (
    <figure className="coord-chart" data-parametrization={parametrization}>
      <figcaption>
        {label}, step {step}
      </figcaption>
      {rows.length === 0 ? (
        <p className="muted">No positive values to plot at this step.</p>
      ) : (
        <LineChart
          responsive
          style={{ width: '100%', height: 280 }}
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
            tickFormatter={(v: number) => formatValue(v)}
            width={64}
            label={{ value: 'mean |x|', angle: -90, position: 'insideLeft' }}
          />
          <Tooltip
            formatter={(v) => (typeof v === 'number' ? formatValue(v) : String(v))}
            labelFormatter={(w) => `${axisName} ${String(w)}`}
          />
          <Legend verticalAlign="top" height={40} />
          {layers.map((layer) => (
            <Line
              key={layer}
              type="linear"
              dataKey={layer}
              name={COORD_LAYER_LABELS[layer]}
              stroke={LAYER_COLORS[layer]}
              strokeWidth={2}
              dot={{ r: 3 }}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
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
}: CoordCheckPanelProps) {
  const titleId = useId();
  const stepId = useId();
  const steps = useMemo(() => coordSteps(records), [records]);
  const [chosen, setChosen] = useState<number | null>(null);
  const step = chosen !== null && steps.includes(chosen) ? chosen : steps[steps.length - 1];
  const params = useMemo(
    () => ['sp', 'mup'].filter((p) => records.some((r) => r.parametrization === p)),
    [records],
  );
  const verdict = useMemo(() => coordVerdictLines(records, { axisName }), [records, axisName]);

  return (
    <section className="panel coord-panel" aria-labelledby={titleId} aria-busy={running}>
      <div className="panel-head">
        <h2 id={titleId}>Coordinate check</h2>
        <button type="button" onClick={onRun} disabled={running}>
          {running ? 'Running…' : records.length > 0 ? 'Run again' : 'Run coordinate check'}
        </button>
      </div>
      <p className="muted">
        Mean |activation| per layer type after each of the first training steps, against {axisName}{' '}
        on log-log axes. Under µP the lines are flat; under SP some grow with width (with depth
        scaling none, the residual stream grows with depth; depth-µP and CompleteP keep it flat).
      </p>
      {records.length === 0 ? (
        <p className="muted">{running ? 'Training each width for a few steps…' : 'No data yet.'}</p>
      ) : (
        <>
          {steps.length > 1 && (
            <div className="coord-step">
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
            </div>
          )}
          <div className="coord-charts">
            {params.map((p) => (
              <CoordChart
                key={p}
                records={records}
                parametrization={p}
                step={step}
                axisName={axisName}
              />
            ))}
          </div>
          <ul className="coord-verdict" role="status" aria-label="Coordinate check verdict">
            {verdict.map((v) => (
              <li
                key={v.parametrization}
                className={v.ok ? 'coord-flat' : 'coord-grows'}
                data-png-text=""
              >
                {v.text}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
