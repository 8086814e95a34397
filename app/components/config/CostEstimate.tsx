import { adapterLabel } from '../../../src/gpu/device';
import { estimateSweep } from '../../lib/estimate';
import * as fmt from '../../lib/format';
import { useLab } from '../../store';

/** Runs, tokens and FLOPs of the sweep, and its time on this adapter once that was measured. */
export function CostEstimate({ valid }: { valid: boolean }) {
  const config = useLab((s) => s.config);
  const data = useLab((s) => s.data);
  const gpu = useLab((s) => s.gpu);
  const measured = useLab((s) => s.measured);
  const vocab = data.state === 'ready' ? data.vocab : undefined;
  const estimate = valid && vocab !== undefined ? estimateSweep(config, vocab) : undefined;
  const rate =
    measured && gpu.state === 'ready' && measured.adapter === adapterLabel(gpu.adapter)
      ? measured.flopsPerSec
      : undefined;
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
            {rate !== undefined ? (
              <>
                {' '}
                · about <strong>{fmt.duration(estimate.flops / rate)}</strong> on this adapter
                (measured {fmt.si(rate, 'FLOP/s')})
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
