import * as fmt from '../../lib/format';
import type { Series } from '../../lib/results';

/** What every width scored at the hovered grid point, "diverged" included. */
export function TransferTooltip({
  log2,
  series,
  scaledName,
  hpName,
}: {
  log2: number | undefined;
  series: Series[];
  scaledName: string;
  hpName: string;
}) {
  if (log2 === undefined || !Number.isFinite(log2)) return null;
  return (
    <div className="chart-tooltip">
      <p>
        <strong>
          log2 {hpName} = {fmt.log2(log2)}
        </strong>{' '}
        <span className="muted">({fmt.pow2(log2)})</span>
      </p>
      <ul>
        {series.map((s) => {
          const cell = s.cells.find((c) => c.log2 === log2);
          const text = !cell
            ? 'not run yet'
            : cell.diverged
              ? `diverged${cell.divergedAtStep !== null ? ` at step ${cell.divergedAtStep}` : ''}`
              : `loss ${fmt.loss(cell.loss)}${cell.sd !== null ? ` ± ${fmt.loss(cell.sd)} (${cell.seeds} seeds)` : ''}`;
          return (
            <li key={s.scaled}>
              <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
              {scaledName} {s.scaled}: {text}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
