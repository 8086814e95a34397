import { retuneKernels } from '../gpuClient';
import { useLab } from '../store';
import type { TuneRecord } from '../../src/tune/cache';

type Entry = TuneRecord['result']['entries'][number];

const ms = (x: number | undefined) =>
  x === undefined ? '—' : x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`;

function others(e: Entry): string {
  return e.candidates
    .filter((c) => c.variant !== e.chosen)
    .map((c) => `${c.variant} ${c.selfTestPassed ? ms(c.ms) : 'failed self-test'}`)
    .join(', ');
}

/**
 * The kernel variants chosen for this adapter by timing (src/tune), with their speed, and a
 * Re-tune button that times them again on the form's config.
 */
export function TuningTable() {
  const { progress, record, fromCache, message } = useLab((s) => s.tuning);
  const busy = useLab(
    (s) => s.sweep.status === 'running' || s.sweep.status === 'paused' || s.gpu.state !== 'ready',
  );
  const status = progress
    ? `Tuning kernels: ${progress.done} of ${progress.total || '?'} (${progress.current})…`
    : record
      ? `${record.result.entries.length} shapes tuned ${fromCache ? '(cached for this adapter)' : 'just now'}` +
        (record.result.skipped > 0
          ? `; ${record.result.skipped} left to the defaults (time budget)`
          : '')
      : 'Not tuned yet: default choices. The first sweep on this adapter times the variants.';
  return (
    <section aria-labelledby="tuning-title">
      <div className="panel-head">
        <h3 id="tuning-title">Kernel variants</h3>
        <span role="status" data-testid="tuning-status" className="muted">
          {status}
        </span>
        <button type="button" onClick={retuneKernels} disabled={busy || progress !== null}>
          Re-tune
        </button>
      </div>
      {message && (
        <p className="muted" data-testid="tuning-message">
          {message}
        </p>
      )}
      {progress && (
        <progress
          max={Math.max(1, progress.total)}
          value={progress.done}
          aria-label="Tuning progress"
        />
      )}
      {record && record.result.entries.length > 0 && (
        <table className="selftest" aria-label="Tuned kernel variants">
          <thead>
            <tr>
              <th scope="col">Kernel</th>
              <th scope="col">Shape</th>
              <th scope="col">Chosen</th>
              <th scope="col">Time</th>
              <th scope="col">Default</th>
              <th scope="col">Others</th>
            </tr>
          </thead>
          <tbody>
            {record.result.entries.map((e) => (
              <tr key={`${e.kernel} ${e.shapeClass}`} data-testid="tuning-row">
                <th scope="row">{e.kernel}</th>
                <td>{e.shapeClass}</td>
                <td>{e.chosen}</td>
                <td>{ms(e.candidates.find((c) => c.variant === e.chosen)?.ms)}</td>
                <td>{e.threshold}</td>
                <td className="muted">{others(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
