import { useMemo } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import * as fmt from '../../lib/format';
import { type ChartModel, type LossAxis } from '../../lib/results';
import { PARAMETRIZATION_LABELS } from '../../../src/mup/parametrizations';
import { metricsLine } from '../../../src/analysis/analysis';
import { ChartLegend } from './ChartLegend';
import { DivergedMarks, OffScaleMarks, OptimumMarks, TargetMarks } from './ChartMarks';
import type { RunRecord } from '../../../src/sweep/types';
import { TransferTooltip } from './TransferTooltip';
import { verifyDetail, type VerifyResult } from '../../../src/sweep/verify';
import { VERIFY_DASH, VerifyMarks } from './VerifyMarks';

interface TransferChartProps {
  model: ChartModel;
  axis: LossAxis;
  /** The sweep is still running: the verdict is provisional. */
  partial: boolean;
  /** Runs at a target width with the transferred value, drawn as stars. */
  targets: RunRecord[];
  /** What each line is: 'width', 'depth', or 'steps' (the horizon view). */
  scaledName: string;
  hpName: string;
  /** Prefix of the test ids (chart-, verdict-, metrics-), to tell views apart. */
  idPrefix?: string;
  /** The Target width slider's width: its line is drawn bold when it was trained. */
  highlight?: number | null;
  /** Another kept sweep's chart of this parametrization, drawn dashed over this one. */
  overlay?: { model: ChartModel; name: string };
  /** A verification at a target width (src/sweep/verify.ts), drawn dashed in black. */
  verification?: VerifyResult;
  /** The y axis' name (default "final train loss"). */
  yLabel?: string;
  /** A click on the plot picks the nearest grid value (log2) of the swept hyperparameter. */
  onPickHp?: (log2: number) => void;
}

/** The overlaid sweep's dash pattern (this sweep's lines are solid). */
const OVERLAY_DASH = '6 4';

/** A grid value, each width's seed-mean loss, and its mean ± sd band as [low, high]. */
type Row = { x: number } & Record<string, number | [number, number] | null>;

/** Every n-th grid value as a tick, so that labels never collide. */
function ticksOf(grid: number[]): number[] {
  const every = Math.ceil(grid.length / 9);
  return grid.filter((_, i) => i % every === 0);
}

/** Final training loss against log2 of the swept hyperparameter, one line per width. */
export function TransferChart({
  model,
  axis,
  partial,
  targets,
  scaledName,
  hpName,
  highlight = null,
  idPrefix = '',
  overlay,
  verification,
  yLabel = 'final train loss',
  onPickHp,
}: TransferChartProps) {
  const { parametrization, series, grid, analysis } = model;
  const log = axis.scale === 'log';
  const prefix = scaledName[0];
  const key = (scaled: number) => `${prefix}${scaled}`;
  const overlaySeries = overlay?.model.series;
  // Both sweeps' grid values: an overlaid sweep may have swept another range or step.
  const xs = useMemo(
    () => [...new Set([...grid, ...(overlay?.model.grid ?? [])])].sort((a, b) => a - b),
    [grid, overlay],
  );
  const rows = useMemo(
    () =>
      xs.map((x) => {
        const row: Row = { x };
        for (const s of series) {
          const cell = s.cells.find((c) => c.log2 === x);
          row[`${prefix}${s.scaled}`] = cell?.loss ?? null;
          row[`${prefix}${s.scaled}band`] =
            cell && cell.loss !== null && cell.sd !== null
              ? // A log axis has no place for a band end at or below 0.
                [
                  log ? Math.max(cell.loss - cell.sd, cell.loss / 2) : cell.loss - cell.sd,
                  cell.loss + cell.sd,
                ]
              : null;
        }
        for (const s of overlaySeries ?? []) {
          row[`overlay${prefix}${s.scaled}`] = s.cells.find((c) => c.log2 === x)?.loss ?? null;
        }
        return row;
      }),
    [xs, series, overlaySeries, prefix, log],
  );
  const step = grid.length > 1 ? grid[1] - grid[0] : 1;
  // The verification's values lie off the grid, and may reach beyond it.
  const verifyXs = verification?.curve.map((p) => p.log2) ?? [];
  const xLo = Math.min(xs[0], ...verifyXs);
  const xHi = Math.max(xs[xs.length - 1], ...verifyXs);
  const overlayDrawn = (overlaySeries ?? []).filter((s) => s.cells.some((c) => c.loss !== null));
  // Only a trained width is highlighted; any other slider position leaves the chart as it is.
  const highlighted =
    scaledName === 'width' && series.some((s) => s.scaled === highlight) ? highlight : null;
  const drawn = series.filter((s) => s.cells.some((c) => c.loss !== null));
  const cells = series.flatMap((s) => s.cells);
  const offScale = cells.filter((c) => c.loss !== null && c.loss > axis.domain[1]).length;
  const diverged = cells.filter((c) => c.diverged).length;
  const label = PARAMETRIZATION_LABELS[parametrization];
  return (
    <figure className="transfer" data-testid={`${idPrefix}chart-${parametrization}`}>
      <figcaption>
        <h3>{label}</h3>
        <span className="muted">
          {model.finished} run{model.finished === 1 ? '' : 's'} finished
        </span>
      </figcaption>
      <div
        className="plot"
        role="img"
        aria-label={`${label}: ${idPrefix ? `${idPrefix.replace(/-$/, '')} view, ` : ''}${yLabel} against log2 ${hpName}, one line per ${scaledName}. ${analysis?.verdict ?? ''}`}
      >
        <ResponsiveContainer width="100%" height={300}>
          <ComposedChart
            data={rows}
            margin={{ top: 8, right: 16, bottom: 18, left: 0 }}
            style={onPickHp ? { cursor: 'pointer' } : undefined}
            onClick={(state) => {
              const i = Number(state.activeTooltipIndex);
              if (onPickHp && Number.isInteger(i) && xs[i] !== undefined) onPickHp(xs[i]);
            }}
          >
            <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
            <XAxis
              dataKey="x"
              type="number"
              domain={[xLo - step / 3, xHi + step / 3]}
              ticks={ticksOf(xs)}
              tickFormatter={(v: number) => fmt.log2(v)}
              stroke="var(--muted)"
              tick={{ fontSize: 12 }}
              label={{
                value: `log2 ${hpName}`,
                position: 'insideBottom',
                offset: -10,
                fill: 'var(--muted)',
                fontSize: 12,
              }}
            />
            <YAxis
              type="number"
              scale={log ? 'log' : 'linear'}
              domain={axis.domain}
              ticks={axis.ticks}
              allowDataOverflow
              stroke="var(--muted)"
              tick={{ fontSize: 12 }}
              width={62}
              tickFormatter={(v: number) => (log ? String(Number(v.toPrecision(3))) : v.toFixed(2))}
              label={{
                value: yLabel,
                angle: -90,
                position: 'insideLeft',
                offset: 4,
                fill: 'var(--muted)',
                fontSize: 12,
                style: { textAnchor: 'middle' },
              }}
            />
            <Tooltip
              content={({ label: x }) => (
                <TransferTooltip
                  log2={typeof x === 'number' ? x : undefined}
                  series={series}
                  scaledName={scaledName}
                  hpName={hpName}
                />
              )}
            />
            {drawn
              .filter((s) => s.cells.some((c) => c.sd !== null))
              .map((s) => (
                <Area
                  key={`band${s.scaled}`}
                  className={`band band-${key(s.scaled)}`}
                  dataKey={`${key(s.scaled)}band`}
                  name={`${scaledName} ${s.scaled} ± sd`}
                  stroke="none"
                  fill={s.color}
                  fillOpacity={highlighted === null || s.scaled === highlighted ? 0.18 : 0.06}
                  isAnimationActive={false}
                  connectNulls={false}
                  activeDot={false}
                  legendType="none"
                  tooltipType="none"
                />
              ))}
            {drawn.map((s) => (
              <Line
                key={s.scaled}
                className={`line-${key(s.scaled)}`}
                dataKey={key(s.scaled)}
                name={`${scaledName} ${s.scaled}`}
                stroke={s.color}
                strokeWidth={s.scaled === highlighted ? 4 : 2}
                strokeOpacity={highlighted === null || s.scaled === highlighted ? 1 : 0.35}
                dot={{ r: 3, fill: s.color, strokeWidth: 0 }}
                activeDot={{ r: 5 }}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
            {overlayDrawn.map((s) => (
              <Line
                key={`overlay${s.scaled}`}
                className={`overlay-line overlay-${key(s.scaled)}`}
                dataKey={`overlay${key(s.scaled)}`}
                name={`${overlay?.name}: ${scaledName} ${s.scaled}`}
                stroke={s.color}
                strokeWidth={2}
                strokeDasharray={OVERLAY_DASH}
                dot={{ r: 2.5, fill: 'var(--panel, #fff)', stroke: s.color, strokeWidth: 1.5 }}
                activeDot={false}
                isAnimationActive={false}
                connectNulls={false}
                tooltipType="none"
              />
            ))}
            <OptimumMarks series={series} scaledName={scaledName} hpName={hpName} />
            <DivergedMarks series={series} scaledName={scaledName} hpName={hpName} />
            <OffScaleMarks
              series={series}
              scaledName={scaledName}
              hpName={hpName}
              top={axis.domain[1]}
            />
            <TargetMarks runs={targets} scaledName={scaledName} hpName={hpName} />
            {verification && <VerifyMarks result={verification} hpName={hpName} />}
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <ChartLegend series={series} scaledName={scaledName} hpName={hpName} />
      {(offScale > 0 || diverged > 0) && (
        <p className="scale-note muted" data-testid={`${idPrefix}scale-note-${parametrization}`}>
          {offScale > 0 &&
            `△ ${offScale} point${offScale === 1 ? '' : 's'} off scale (loss above ${fmt.loss(axis.domain[1])})`}
          {offScale > 0 && diverged > 0 && ' · '}
          {diverged > 0 && `× ${diverged} point${diverged === 1 ? '' : 's'} diverged (every seed)`}
        </p>
      )}
      {overlay && (
        <div
          className="overlay-legend"
          data-testid={`${idPrefix}overlay-legend-${parametrization}`}
        >
          <DashSample stroke="var(--muted)" dash={OVERLAY_DASH} /> Dashed: “{overlay.name}”
          {overlayDrawn.length === 0 ? (
            <span className="muted"> · no finished {label} runs</span>
          ) : (
            <ChartLegend series={overlayDrawn} scaledName={scaledName} hpName={hpName} />
          )}
        </div>
      )}
      {verification && (
        <p
          className="verify-legend muted"
          data-testid={`${idPrefix}verify-legend-${parametrization}`}
        >
          <DashSample stroke="var(--text)" dash={VERIFY_DASH} /> Verification at width{' '}
          {verification.width}: {verifyDetail(verification, hpName)} (dotted line: the prediction,
          shaded ± sd; ◇ the observed optimum)
        </p>
      )}
      <p className="verdict" data-testid={`${idPrefix}verdict-${parametrization}`}>
        <strong>{label}:</strong>{' '}
        {analysis
          ? `${partial ? 'so far, ' : ''}${analysis.verdict}`
          : 'the verdict appears when runs have finished'}
      </p>
      {analysis && metricsLine(analysis, scaledName) && (
        <p className="metrics muted" data-testid={`${idPrefix}metrics-${parametrization}`}>
          {metricsLine(analysis, scaledName)}
        </p>
      )}
    </figure>
  );
}

/** A short line in a legend, drawn as the chart draws that series (e.g. dashed). */
function DashSample({ stroke, dash }: { stroke: string; dash: string }) {
  return (
    <svg width="28" height="8" aria-hidden="true">
      <line x1="0" y1="4" x2="28" y2="4" stroke={stroke} strokeWidth="2" strokeDasharray={dash} />
    </svg>
  );
}
