import { estimateSeconds, estimateSweep, type StepRate } from '../../lib/estimate';
import * as fmt from '../../lib/format';
import { useRates } from '../../hooks/useRates';
import { useLab } from '../../store';

/** Where the rates behind an estimate were measured, in words. */
export function ratesSource(rates: StepRate[]): string {
  const sweep = rates.some((r) => r.source === 'sweep');
  const bench = rates.some((r) => r.source === 'benchmark');
  return sweep && bench
    ? 'from earlier sweeps and the GPU benchmark'
    : sweep
      ? 'from earlier sweeps'
      : 'from the GPU benchmark';
}

/** Runs, tokens and FLOPs of the sweep, and its time on this adapter once that was measured. */
export function CostEstimate({ valid }: { valid: boolean }) {
  const config = useLab((s) => s.config);
  const data = useLab((s) => s.data);
  const rates = useRates();
  const vocab = data.state === 'ready' ? data.vocab : undefined;
  const estimate = valid && vocab !== undefined ? estimateSweep(config, vocab) : undefined;
  const seconds =
    estimate && vocab !== undefined ? estimateSeconds(config, vocab, rates) : undefined;
  return (
    <section className="estimate" aria-label="Cost estimate" data-testid="estimate">
      {estimate ? (
        <>
          <p>
            <strong>{fmt.count(estimate.runs)}</strong> runs · {fmt.si(estimate.tokensPerRun)}{' '}
            tokens each · models of {fmt.si(estimate.minParams)}
            {estimate.maxParams !== estimate.minParams && `–${fmt.si(estimate.maxParams)}`}{' '}
            parameters
          </p>
          <p>
            ≈ <strong>{fmt.flops(estimate.flops)}</strong> of training
            {seconds !== undefined ? (
              <>
                {' '}
                · about <strong data-testid="estimate-time">{fmt.duration(seconds)}</strong> on this
                adapter (step times measured {ratesSource(rates)})
              </>
            ) : (
              <span className="muted">
                {' '}
                · time on this adapter: measured during the first sweep
              </span>
            )}
          </p>
        </>
      ) : (
        <p className="muted">The cost shows once the settings are valid and the data is ready.</p>
      )}
    </section>
  );
}
