import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import * as fmt from '../../lib/format';
import { scaledOf, seriesColor } from '../../lib/results';
import { scaledValues } from '../../../src/sweep/config';
import { useLab } from '../../store';
import { runLabel } from './runLabel';
import type { RunSpec } from '../../../src/sweep/types';

const W = 600;
const H = 200;
const PAD = { left: 44, right: 12, top: 8, bottom: 20 };

/**
 * Training loss against step of the runs in flight (the last stack stays once it is done): a
 * plain SVG of polylines, redrawn by itself a few times a second while the rest of the page
 * stays as it is (a charting library's re-layout per update cost more than the training).
 */
export function LiveLossChart() {
  const { config, live, inFlight } = useLab(
    useShallow((s) => ({ config: s.sweep.config, live: s.sweep.live, inFlight: s.sweep.inFlight })),
  );
  const drawn = useMemo(() => {
    if (!config) return null;
    const curves = Object.entries(live).filter(([, c]) => c.length > 0);
    if (curves.length === 0) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, c] of curves)
      for (const p of c) {
        lo = Math.min(lo, p.loss);
        hi = Math.max(hi, p.loss);
      }
    if (hi - lo < 1e-6) {
      lo -= 0.05;
      hi += 0.05;
    }
    const steps = Math.max(1, config.train.steps);
    const x = (step: number) => PAD.left + ((W - PAD.left - PAD.right) * step) / steps;
    const y = (loss: number) => PAD.top + ((H - PAD.top - PAD.bottom) * (hi - loss)) / (hi - lo);
    const scaled = scaledValues(config);
    const specs = new Map(inFlight.map((r) => [r.id, r] as const));
    const colorOf = (spec: RunSpec | undefined) =>
      seriesColor(spec ? Math.max(0, scaled.indexOf(scaledOf(config, spec))) : 0, scaled.length);
    const lines = curves.map(([id, c], i) => {
      const spec = specs.get(id);
      return {
        id,
        label: spec ? runLabel(config, spec) : id,
        color: colorOf(spec),
        opacity: curves.length > 1 ? 0.45 + (0.55 * i) / (curves.length - 1) : 1,
        points: c.map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' '),
      };
    });
    return { lines, lo, hi, steps };
  }, [config, live, inFlight]);
  if (!drawn) return null;
  const { lines, lo, hi, steps } = drawn;
  return (
    <figure className="chart live-chart" data-testid="live-chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        height={H}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Training loss per step of ${lines.length} run${lines.length === 1 ? '' : 's'}, from ${fmt.loss(lo)} to ${fmt.loss(hi)}`}
      >
        <line
          x1={PAD.left}
          y1={H - PAD.bottom}
          x2={W - PAD.right}
          y2={H - PAD.bottom}
          stroke="var(--muted)"
        />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} stroke="var(--muted)" />
        <text x={PAD.left - 4} y={PAD.top + 10} textAnchor="end" fontSize={11} fill="var(--muted)">
          {hi.toFixed(2)}
        </text>
        <text
          x={PAD.left - 4}
          y={H - PAD.bottom}
          textAnchor="end"
          fontSize={11}
          fill="var(--muted)"
        >
          {lo.toFixed(2)}
        </text>
        <text x={W - PAD.right} y={H - 4} textAnchor="end" fontSize={11} fill="var(--muted)">
          step {steps}
        </text>
        {lines.map((l) => (
          <polyline
            key={l.id}
            points={l.points}
            fill="none"
            stroke={l.color}
            strokeOpacity={l.opacity}
            strokeWidth={1.6}
            vectorEffect="non-scaling-stroke"
          >
            <title>{l.label}</title>
          </polyline>
        ))}
      </svg>
      <figcaption className="muted">Training loss per step, read back every few steps.</figcaption>
    </figure>
  );
}
