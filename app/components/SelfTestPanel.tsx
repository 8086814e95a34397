import { rerunSelfTest } from '../gpuClient';
import { useLab } from '../store';
import { SELF_TEST_KERNELS } from '../../src/ops/selftestKernels';
import { TuningTable } from './TuningTable';

/** Pass/fail per kernel of the start-up self-test on this adapter, folded away unless one fails. */
export function SelfTestPanel() {
  const { running, results, interrupted } = useLab((s) => s.selfTest);
  const sweepActive = useLab((s) => s.sweep.status === 'running' || s.sweep.status === 'paused');
  const done = !running && results.length > 0;
  const failed = results.filter((r) => !r.passed).length;
  const allPassed = done && failed === 0;
  const summary = running
    ? 'Self-test running…'
    : interrupted
      ? 'Interrupted: the GPU device was lost. Run it again to test the new device.'
      : done
        ? allPassed
          ? `All ${results.length} kernels passed.`
          : `${failed} of ${results.length} kernels failed.`
        : '';
  return (
    <details className="panel selftest-panel" open={failed > 0}>
      <summary>
        <h2 id="selftest-title">Kernel self-test</h2>
        <span
          role="status"
          data-testid="selftest-summary"
          className={done ? (allPassed ? 'pass' : 'fail') : 'muted'}
        >
          {summary}
        </span>
      </summary>
      <div className="panel-head">
        <p className="muted">
          Each WGSL kernel runs on seeded random data on this adapter and is compared with a float64
          reference.
        </p>
        <button type="button" onClick={rerunSelfTest} disabled={running || sweepActive}>
          Run again
        </button>
      </div>
      <table className="selftest" aria-label="Kernel self-test results">
        <thead>
          <tr>
            <th scope="col">Kernel</th>
            <th scope="col">Result</th>
            <th scope="col">Worst error / bound</th>
            <th scope="col">Time</th>
            <th scope="col">Case</th>
          </tr>
        </thead>
        <tbody>
          {SELF_TEST_KERNELS.map((kernel) => {
            const r = results.find((x) => x.kernel === kernel);
            return (
              <tr key={kernel} data-testid={`selftest-${kernel}`}>
                <th scope="row">{kernel}</th>
                <td className={r ? (r.passed ? 'pass' : 'fail') : 'pending'}>
                  {r ? (r.passed ? 'pass' : 'fail') : running ? 'running…' : '—'}
                </td>
                <td>{r ? (Number.isFinite(r.worstRatio) ? r.worstRatio.toFixed(3) : '∞') : ''}</td>
                <td>{r ? `${r.millis.toFixed(0)} ms` : ''}</td>
                <td className="muted">{r?.detail}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <TuningTable />
    </details>
  );
}
