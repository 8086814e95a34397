import { useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import * as fmt from '../../lib/format';
import { scaledOf, seriesColor } from '../../lib/results';
import { scaledValues } from '../../../src/sweep/config';
import { useLab } from '../../store';
import { runLabel } from './runLabel';
import type { RunSpec } from '../../../src/sweep/types';

type Row = { step: number } & Record<string, number>;

/** Training loss against step of the runs in flight (the last stack stays once it is done). */
export function LiveLossChart() {
  const sweep = useLab((s) => s.sweep);
  const config = sweep.config;
  const ids = Object.keys(sweep.live);
  const rows = useMemo(() => {
    const byStep = new Map<number, Row>();
    for (const [id, curve] of Object.entries(sweep.live)) {
      for (const p of curve) {
        const row = byStep.get(p.step) ?? ({ step: p.step } as Row);
        row[id] = p.loss;
        byStep.set(p.step, row);
      }
    }
    return [...byStep.values()].sort((a, b) => a.step - b.step);
  }, [sweep.live]);
  if (!config || rows.length === 0) return null;
  const specs = new Map([...sweep.inFlight, ...sweep.records].map((r) => [r.id, r] as const));
  const scaled = scaledValues(config);
  // The colour of the run's width in the transfer chart; later runs of a stack darker.
  const colorOf = (spec: RunSpec | undefined) =>
    seriesColor(spec ? Math.max(0, scaled.indexOf(scaledOf(config, spec))) : 0, scaled.length);
  return (
    <figure className="chart live-chart" data-testid="live-chart">
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
          <XAxis
            dataKey="step"
            type="number"
            domain={[0, config.train.steps]}
            allowDecimals={false}
            stroke="var(--muted)"
            tick={{ fontSize: 12 }}
          />
          <YAxis
            stroke="var(--muted)"
            tick={{ fontSize: 12 }}
            width={44}
            domain={['auto', 'auto']}
            tickFormatter={(v: number) => v.toFixed(2)}
          />
          <Tooltip
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
            labelFormatter={(step) => `step ${String(step)}`}
            formatter={(value, name) => {
              const spec = specs.get(String(name));
              return [fmt.loss(Number(value)), spec ? runLabel(config, spec) : String(name)];
            }}
          />
          {ids.map((id, i) => (
            <Line
              key={id}
              dataKey={id}
              name={id}
              stroke={colorOf(specs.get(id))}
              strokeOpacity={ids.length > 1 ? 0.45 + (0.55 * i) / (ids.length - 1) : 1}
              dot={false}
              strokeWidth={1.6}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption className="muted">Training loss per step, read back every few steps.</figcaption>
    </figure>
  );
}
