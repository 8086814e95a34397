import { usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import * as fmt from '../../lib/format';
import type { Series } from '../../lib/results';
import type { RunRecord } from '../../../src/sweep/types';

interface MarksProps {
  series: Series[];
  /** "width" or "depth", for the hover text. */
  scaledName: string;
  hpName: string;
}

/**
 * An × at the top of the plot for every grid point where all seeds diverged, in the width's
 * colour (one row per width so they never overlap), with a "diverged" tooltip.
 */
export function DivergedMarks({ series, scaledName, hpName }: MarksProps) {
  const x = useXAxisScale();
  const area = usePlotArea();
  if (!x || !area) return null;
  const size = 4;
  return (
    <g className="diverged-marks">
      {series.flatMap((s, row) =>
        s.cells
          .filter((c) => c.diverged)
          .map((c) => {
            const cx = x(c.log2);
            if (cx === undefined) return null;
            const cy = area.y + 8 + row * 11;
            const at = c.divergedAtStep !== null ? ` at step ${c.divergedAtStep}` : '';
            return (
              <g
                key={`${s.scaled}:${c.log2}`}
                className={`diverged-marker diverged-${scaledName[0]}${s.scaled}`}
                data-testid="diverged-marker"
                stroke={s.color}
                strokeWidth={2}
              >
                <title>{`diverged: ${scaledName} ${s.scaled}, log2 ${hpName} ${fmt.log2(c.log2)}${at}`}</title>
                <line x1={cx - size} y1={cy - size} x2={cx + size} y2={cy + size} />
                <line x1={cx - size} y1={cy + size} x2={cx + size} y2={cy - size} />
                <rect
                  x={cx - 7}
                  y={cy - 7}
                  width={14}
                  height={14}
                  fill="transparent"
                  stroke="none"
                />
              </g>
            );
          }),
      )}
    </g>
  );
}

/**
 * A hollow upward triangle at the top edge of the plot for every seed-mean point above the y
 * range (the range is clipped to the informative region), in the width's colour, on the same
 * rows as the diverged marks.
 */
export function OffScaleMarks({ series, scaledName, hpName, top }: MarksProps & { top: number }) {
  const x = useXAxisScale();
  const area = usePlotArea();
  if (!x || !area) return null;
  return (
    <g className="offscale-marks">
      {series.flatMap((s, row) =>
        s.cells
          .filter((c) => c.loss !== null && c.loss > top)
          .map((c) => {
            const cx = x(c.log2);
            if (cx === undefined) return null;
            const cy = area.y + 8 + row * 11;
            return (
              <g
                key={`${s.scaled}:${c.log2}`}
                className={`offscale-marker offscale-${scaledName[0]}${s.scaled}`}
                data-testid="offscale-marker"
              >
                <title>{`off scale: ${scaledName} ${s.scaled}, log2 ${hpName} ${fmt.log2(c.log2)}, loss ${fmt.loss(c.loss ?? NaN)}`}</title>
                <path
                  d={`M ${cx} ${cy - 5} l 5 9 l -10 0 z`}
                  fill="var(--panel)"
                  stroke={s.color}
                  strokeWidth={2}
                />
              </g>
            );
          }),
      )}
    </g>
  );
}

/**
 * A ring around each width's best grid point, a triangle on the x axis at its fitted optimum,
 * and, with several seeds, a bar over the fit's bootstrap ± sd.
 */
export function OptimumMarks({ series, scaledName, hpName }: MarksProps) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const area = usePlotArea();
  if (!x || !y || !area) return null;
  return (
    <g className="optimum-marks">
      {series.map((s) => {
        const o = s.optimum;
        if (!o) return null;
        const cx = x(o.gridLog2);
        const cy = y(o.gridLoss);
        const fx = x(o.fitLog2);
        if (cx === undefined || cy === undefined) return null;
        const bottom = area.y + area.height;
        return (
          <g
            key={s.scaled}
            className={`optimum-marker optimum-${scaledName[0]}${s.scaled}`}
            data-testid="optimum-marker"
          >
            <title>{`optimum of ${scaledName} ${s.scaled}: log2 ${hpName} ≈ ${fmt.log2(o.fitLog2)}${Number.isFinite(o.fitSd) ? ` ± ${o.fitSd.toFixed(2)}` : ''} (${fmt.pow2(o.fitLog2)}), loss ${fmt.loss(o.gridLoss)}`}</title>
            <circle cx={cx} cy={cy} r={7} fill="none" stroke={s.color} strokeWidth={2} />
            {fx !== undefined && Number.isFinite(o.fitSd) && (
              <line
                className="optimum-sd"
                data-testid="optimum-sd"
                x1={x(o.fitLog2 - o.fitSd) ?? fx}
                x2={x(o.fitLog2 + o.fitSd) ?? fx}
                y1={bottom - 12}
                y2={bottom - 12}
                stroke={s.color}
                strokeWidth={2}
              />
            )}
            {fx !== undefined && (
              <path
                d={`M ${fx} ${bottom - 9} l -5 9 l 10 0 z`}
                fill={s.color}
                stroke="var(--panel)"
                strokeWidth={1}
              />
            )}
          </g>
        );
      })}
    </g>
  );
}

/** A star for each run trained at a target width with the transferred value. */
export function TargetMarks({
  runs,
  scaledName,
  hpName,
}: {
  runs: RunRecord[];
  scaledName: string;
  hpName: string;
}) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  if (!x || !y) return null;
  return (
    <g className="target-marks">
      {runs.map((r) => {
        if (r.finalLoss === null || r.diverged) return null;
        const cx = x(r.log2Hp);
        const cy = y(r.finalLoss);
        if (cx === undefined || cy === undefined) return null;
        const points = Array.from({ length: 10 }, (_, i) => {
          const radius = i % 2 === 0 ? 8 : 3.5;
          const a = (Math.PI * i) / 5 - Math.PI / 2;
          return `${cx + radius * Math.cos(a)},${cy + radius * Math.sin(a)}`;
        }).join(' ');
        const size = scaledName === 'width' ? r.width : r.depth;
        return (
          <g key={r.id} className="target-marker" data-testid="target-marker">
            <title>{`${scaledName} ${size}, trained with the transferred ${hpName} (log2 ${fmt.log2(r.log2Hp)}): loss ${fmt.loss(r.finalLoss)}`}</title>
            <polygon points={points} fill="var(--text)" stroke="var(--panel)" strokeWidth={1} />
          </g>
        );
      })}
    </g>
  );
}
