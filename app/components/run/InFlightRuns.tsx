import * as fmt from '../../lib/format';
import { useShallow } from 'zustand/react/shallow';
import { useLab } from '../../store';
import { LiveLossChart } from './LiveLossChart';
import { runLabel } from './runLabel';

/** The runs training now: a progress bar each, and their loss curves as they come in. */
export function InFlightRuns() {
  const sweep = useLab(
    useShallow((s) => ({
      config: s.sweep.config,
      status: s.sweep.status,
      inFlight: s.sweep.inFlight,
      live: s.sweep.live,
    })),
  );
  const config = sweep.config;
  const active = sweep.status === 'running' || sweep.status === 'paused';
  const curves = Object.values(sweep.live).some((c) => c.length > 0);
  if (!config || (!active && !curves)) return null;
  const steps = config.train.steps;
  return (
    <section className="panel live" aria-labelledby="live-title">
      <h2 id="live-title">{active ? 'Runs in flight' : 'Last runs'}</h2>
      {sweep.inFlight.length === 0 ? (
        <p className="muted">
          {sweep.status === 'running' ? 'Preparing the next runs…' : 'No run is training now.'}
        </p>
      ) : (
        <ul className="runs" data-testid="runs-in-flight">
          {sweep.inFlight.map((r) => {
            const curve = sweep.live[r.id] ?? [];
            const last = curve[curve.length - 1];
            const label = runLabel(config, r);
            return (
              <li key={r.id}>
                <span className="run-name">{label}</span>
                <progress max={steps} value={last?.step ?? 0} aria-label={`${label}: steps`} />
                <span className="run-step">
                  step {last?.step ?? 0} / {steps} · loss {fmt.loss(last?.loss)}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <LiveLossChart />
    </section>
  );
}
