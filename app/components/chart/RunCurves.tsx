import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import * as fmt from '../../lib/format';
import type { Series } from '../../lib/results';
import type { RunRecord } from '../../../src/sweep/types';

/**
 * The training-loss curves of the runs at one grid value of one parametrization (a click on the
 * transfer chart picks it): one line per run, in its width's colour, dashed for later seeds.
 */
export function RunCurves({
  runs,
  series,
  scaledOf,
  title,
  onClose,
  onShowAll,
}: {
  runs: RunRecord[];
  series: Series[];
  scaledOf: (r: RunRecord) => number;
  title: string;
  onClose: () => void;
  /** Shows these runs in the Runs view (with its filters and figure export). */
  onShowAll?: () => void;
}) {
  const steps = Math.max(0, ...runs.map((r) => r.losses.length));
  const rows = Array.from({ length: steps }, (_, i) => {
    const row: Record<string, number | null> = { step: i + 1 };
    for (const r of runs) row[r.id] = r.losses[i] ?? null;
    return row;
  });
  const colorOf = (r: RunRecord) =>
    series.find((s) => s.scaled === scaledOf(r))?.color ?? 'var(--text)';
  return (
    <figure className="run-curves" data-testid="run-curves">
      <figcaption>
        <h3>{title}</h3>
        {onShowAll && (
          <button type="button" className="secondary" onClick={onShowAll}>
            Show in Runs view
          </button>
        )}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </figcaption>
      {runs.length === 0 ? (
        <p className="muted">No run has finished here yet.</p>
      ) : (
        <>
          <LineChart
            responsive
            style={{ width: '100%', height: 220 }}
            data={rows}
            margin={{ top: 8, right: 16, bottom: 18, left: 0 }}
          >
            <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
            <XAxis dataKey="step" type="number" domain={[1, Math.max(1, steps)]} />
            <YAxis
              width={56}
              tickFormatter={(v: number) => fmt.loss(v)}
              domain={['auto', 'auto']}
            />
            <Tooltip formatter={(v) => (typeof v === 'number' ? fmt.loss(v) : String(v))} />
            {runs.map((r) => (
              <Line
                key={r.id}
                dataKey={r.id}
                name={`width ${scaledOf(r)}, seed ${r.seed}${r.diverged ? ' (diverged)' : ''}`}
                stroke={colorOf(r)}
                strokeDasharray={r.seed === runs[0].seed ? undefined : '5 3'}
                strokeWidth={2}
                dot={false}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
          </LineChart>
          <ul className="legend">
            {runs.map((r) => (
              <li key={r.id}>
                <span className="swatch" style={{ background: colorOf(r) }} aria-hidden="true" />
                {`width ${scaledOf(r)}, seed ${r.seed}: `}
                {r.diverged
                  ? `diverged at step ${r.divergedAtStep ?? '?'}`
                  : `train ${fmt.loss(r.finalLoss)}, validation ${fmt.loss(r.valLoss)}`}
              </li>
            ))}
          </ul>
        </>
      )}
    </figure>
  );
}
