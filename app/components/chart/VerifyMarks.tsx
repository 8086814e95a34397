import { usePlotArea, useXAxisScale, useYAxisScale } from 'recharts';
import * as fmt from '../../lib/format';
import { parabolaAt } from '../../../src/analysis/stats';
import type { VerifyResult } from '../../../src/sweep/verify';

/** The verification curve's dash pattern (the overlay's is "6 4"). */
export const VERIFY_DASH = '3 3';

/**
 * A verification at a target width, on the transfer chart: its seed-mean loss curve dashed, the
 * predicted optimum as a vertical line in a band of ± its sd, and the observed (fitted) optimum
 * as an open diamond on the curve's fit.
 */
export function VerifyMarks({ result, hpName }: { result: VerifyResult; hpName: string }) {
  const x = useXAxisScale();
  const y = useYAxisScale();
  const area = usePlotArea();
  if (!x || !y || !area) return null;
  const points = result.curve
    .filter((p) => !p.diverged)
    .map((p) => ({ cx: x(p.log2), cy: y(p.loss), p }))
    .filter(
      (q): q is { cx: number; cy: number; p: (typeof result.curve)[number] } =>
        q.cx !== undefined && q.cy !== undefined,
    );
  const px = x(result.predicted.log2);
  const sd = result.predicted.sd;
  const lo = Number.isFinite(sd) ? x(result.predicted.log2 - sd) : undefined;
  const hi = Number.isFinite(sd) ? x(result.predicted.log2 + sd) : undefined;
  const obs = result.observed;
  const ox = obs ? x(obs.log2) : undefined;
  const oy =
    obs && result.fit && result.fit.a > 0
      ? y(parabolaAt(result.fit, obs.log2))
      : obs
        ? y(Math.min(...points.map((q) => q.p.loss)))
        : undefined;
  const top = area.y;
  const bottom = area.y + area.height;
  const label = `width ${result.width}`;
  return (
    <g className="verify-marks" data-testid="verify-curve">
      {lo !== undefined && hi !== undefined && (
        <rect
          className="verify-band"
          x={Math.min(lo, hi)}
          y={top}
          width={Math.max(1, Math.abs(hi - lo))}
          height={bottom - top}
          fill="var(--text)"
          fillOpacity={0.07}
        >
          <title>{`predicted optimum ± sd: log2 ${hpName} ${fmt.log2(result.predicted.log2)} ± ${sd.toFixed(2)}`}</title>
        </rect>
      )}
      {px !== undefined && (
        <line
          className="verify-predicted"
          data-testid="verify-predicted"
          x1={px}
          x2={px}
          y1={top}
          y2={bottom}
          stroke="var(--text)"
          strokeWidth={1.5}
          strokeDasharray="1 3"
        >
          <title>{`${label}: predicted optimum, log2 ${hpName} ${fmt.log2(result.predicted.log2)}`}</title>
        </line>
      )}
      {points.length > 1 && (
        <polyline
          className="verify-line"
          points={points.map((q) => `${q.cx},${q.cy}`).join(' ')}
          fill="none"
          stroke="var(--text)"
          strokeWidth={2}
          strokeDasharray={VERIFY_DASH}
        />
      )}
      {points.map((q) => (
        <circle
          key={q.p.log2}
          cx={q.cx}
          cy={q.cy}
          r={3}
          fill="var(--panel, #fff)"
          stroke="var(--text)"
          strokeWidth={1.5}
        >
          <title>{`${label}, log2 ${hpName} ${fmt.log2(q.p.log2)}: loss ${fmt.loss(q.p.loss)} (verification)`}</title>
        </circle>
      ))}
      {ox !== undefined && oy !== undefined && (
        <polygon
          className="verify-observed"
          points={`${ox},${oy - 6} ${ox + 6},${oy} ${ox},${oy + 6} ${ox - 6},${oy}`}
          fill="none"
          stroke="var(--text)"
          strokeWidth={2}
        >
          <title>{`${label}: observed optimum, log2 ${hpName} ${fmt.log2(obs!.log2)}`}</title>
        </polygon>
      )}
    </g>
  );
}
