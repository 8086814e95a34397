import { rerunSelfTest } from '../gpuClient';
import { useLab } from '../store';
import { SELF_TEST_KERNELS } from '../../src/ops/selftest';

/** Pass/fail per kernel of the start-up self-test on this adapter. */
export function SelfTestPanel() {
  const { running, results } = useLab((s) => s.selfTest);
  const done = !running && results.length > 0;
  const allPassed = done && results.every((r) => r.passed);
  return (
    <section className="panel" aria-labelledby="selftest-title">
      <div className="panel-head">
        <h2 id="selftest-title">Kernel self-test</h2>
        <button type="button" onClick={rerunSelfTest} disabled={running}>
          Run again
        </button>
      </div>
      <p className="muted">
        Each WGSL kernel runs on seeded random data on this adapter and is compared with a float64
        reference.
      </p>
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
      <p role="status" data-testid="selftest-summary">
        {running
          ? 'Self-test running…'
          : done
            ? allPassed
              ? `All ${results.length} kernels passed.`
              : `${results.filter((r) => !r.passed).length} of ${results.length} kernels failed.`
            : ''}
      </p>
    </section>
  );
}
