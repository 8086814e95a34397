import { AdapterBadge } from './components/AdapterBadge';
import { GpuUnavailable } from './components/GpuUnavailable';
import { SelfTestPanel } from './components/SelfTestPanel';
import { useLab } from './store';

export function App() {
  const gpu = useLab((s) => s.gpu);
  return (
    <div className="app">
      <header className="topbar">
        <h1>
          µP Lab <span className="subtitle">Maximal Update Parametrization, on your GPU</span>
        </h1>
        <AdapterBadge />
      </header>
      <main>
        {gpu.state === 'unavailable' && (
          <GpuUnavailable reason={gpu.reason} message={gpu.message} />
        )}
        {(gpu.state === 'lost' || gpu.state === 'error') && (
          <section className="panel error" role="alert">
            <h2>{gpu.state === 'lost' ? 'The GPU device was lost' : 'Something went wrong'}</h2>
            <p>{gpu.message}</p>
            <p>Reload the page to get a new device.</p>
          </section>
        )}
        {gpu.state === 'ready' && <SelfTestPanel />}
        {gpu.state === 'starting' && (
          <section className="panel" aria-busy="true">
            <p>Looking for a WebGPU adapter…</p>
          </section>
        )}
      </main>
    </div>
  );
}
