import { useRef } from 'react';
import { AdapterBadge } from './components/AdapterBadge';
import { ErrorBoundary } from './components/ErrorBoundary';
import { GpuUnavailable } from './components/GpuUnavailable';
import { Intro } from './components/Intro';
import { Notice } from './components/Notice';
import { GpuBenchPanel } from './components/GpuBenchPanel';
import { SelfTestPanel } from './components/SelfTestPanel';
import { HorizonCharts } from './components/chart/HorizonCharts';
import { RunsView } from './components/chart/RunsView';
import { TransferCharts } from './components/chart/TransferCharts';
import { ConfigPanel } from './components/config/ConfigPanel';
import { InFlightRuns } from './components/run/InFlightRuns';
import { RunControls } from './components/run/RunControls';
import { CoordCheck } from './components/transfer/CoordCheck';
import { ExportPanel } from './components/transfer/ExportPanel';
import { TargetWidthPanel } from './components/transfer/TargetWidthPanel';
import { useConfigErrors } from './hooks/useConfigErrors';
import { useLab } from './store';
import { SweepsPanel } from './sweeps/SweepsPanel';

function Lab() {
  const errors = useConfigErrors();
  const sweepStatus = useLab((s) => s.sweep.status);
  const gpu = useLab((s) => s.gpu);
  const locked = sweepStatus === 'running' || sweepStatus === 'paused';
  const chartRef = useRef<HTMLDivElement>(null);
  return (
    <div className="lab">
      <aside className="side">
        <ConfigPanel errors={errors} locked={locked} />
      </aside>
      <div className="work">
        {gpu.state === 'lost' && !locked && sweepStatus !== 'interrupted' && (
          <p className="alert" role="alert">
            The GPU device was lost: {gpu.message}. The next sweep asks for a new one.
          </p>
        )}
        <RunControls errors={errors} />
        <TransferCharts chartRef={chartRef} />
        <RunsView />
        <SweepsPanel />
        <InFlightRuns />
        <HorizonCharts />
        <TargetWidthPanel />
        <CoordCheck valid={errors.length === 0} />
        <ExportPanel chartRef={chartRef} />
        <SelfTestPanel />
        <GpuBenchPanel />
      </div>
    </div>
  );
}

/** Without a GPU: the results of an imported file or the example, to explore (nothing trains). */
function ResultsOnly() {
  const chartRef = useRef<HTMLDivElement>(null);
  const shown = useLab((s) => s.sweep.records.length > 0);
  return (
    <div className="work results-only">
      {shown && (
        <>
          <TransferCharts chartRef={chartRef} />
          <RunsView />
          <HorizonCharts />
          <TargetWidthPanel />
        </>
      )}
      <ExportPanel chartRef={chartRef} />
    </div>
  );
}

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
      <Intro />
      <Notice />
      <main>
        {gpu.state === 'unavailable' && (
          <>
            <GpuUnavailable reason={gpu.reason} message={gpu.message} />
            <ResultsOnly />
          </>
        )}
        {gpu.state === 'error' && (
          <section className="panel error" role="alert">
            <h2>The lab could not start</h2>
            <p>{gpu.message}</p>
            <p>Reload the page to try again.</p>
          </section>
        )}
        {gpu.state === 'starting' && (
          <section className="panel" aria-busy="true">
            <p>Looking for a WebGPU adapter…</p>
          </section>
        )}
        {(gpu.state === 'ready' || gpu.state === 'lost') && (
          <ErrorBoundary>
            <Lab />
          </ErrorBoundary>
        )}
      </main>
    </div>
  );
}
