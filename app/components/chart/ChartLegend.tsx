import * as fmt from '../../lib/format';
import type { Series } from '../../lib/results';

/** Which colour is which width, and where each width's optimum is. */
export function ChartLegend({
  series,
  scaledName,
  hpName,
}: {
  series: Series[];
  scaledName: string;
  hpName: string;
}) {
  return (
    <ul className="legend" aria-label={`Lines by ${scaledName}`}>
      {series.map((s) => {
        const allDiverged = s.cells.length > 0 && s.cells.every((c) => c.diverged);
        return (
          <li key={s.scaled} data-testid={`legend-${scaledName[0]}${s.scaled}`}>
            <span className="swatch" style={{ background: s.color }} aria-hidden="true" />
            {scaledName} {s.scaled}
            <span className="muted">
              {s.optimum
                ? ` · best log2 ${hpName} ${fmt.log2(s.optimum.fitLog2)}${Number.isFinite(s.optimum.fitSd) ? ` ± ${s.optimum.fitSd.toFixed(2)}` : ''}${s.optimum.atEdge ? ' (grid edge)' : ''}`
                : allDiverged
                  ? ' · every run diverged'
                  : s.cells.length === 0
                    ? ' · not run yet'
                    : ''}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
