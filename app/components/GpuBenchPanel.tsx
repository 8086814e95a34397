import { useState } from 'react';
import { adapterLabel } from '../../src/gpu/adapter';
import { PRESET_LABELS, type PresetName } from '../../src/sweep/config';
import { preset } from '../../src/sweep/config';
import { benchStepRates, type GpuBenchResult } from '../../src/benchmark/benchResult';
import { cancelGpuBench, runGpuBench } from '../gpuClient';
import { useRates } from '../hooks/useRates';
import { estimateSeconds, mergeRates } from '../lib/estimate';
import * as fmt from '../lib/format';
import { useLab } from '../store';
import { downloadBlob } from '../lib/chartPng';

const MATMUL_SIZES = [1024, 2048];
/** A small width too: small models' steps cost what the fixed per-step work costs, not FLOPs. */
const TRAIN_WIDTHS = [32, 128, 512];
/** Steps per training measurement: few, so that width 512 stays short on a CPU adapter. */
const TRAIN_STEPS = 2;

type Progress = { done: number; total: number; label: string };

/** "Benchmark this GPU": matmul GFLOP/s, training tokens/s and each preset's time on this adapter. */
export function GpuBenchPanel() {
  const gpu = useLab((s) => s.gpu);
  const data = useLab((s) => s.data);
  const rates = useRates();
  const setMeasured = useLab((s) => s.setMeasured);
  const sweepActive = useLab((s) => s.sweep.status === 'running' || s.sweep.status === 'paused');
  const [progress, setProgress] = useState<Progress | null>(null);
  const [result, setResult] = useState<GpuBenchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const vocab = data.state === 'ready' ? data.vocab : undefined;

  const start = () => {
    setError(null);
    setResult(null);
    setProgress({ done: 0, total: MATMUL_SIZES.length + TRAIN_WIDTHS.length, label: 'starting' });
    runGpuBench(
      { matmulSizes: MATMUL_SIZES, trainWidths: TRAIN_WIDTHS, trainSteps: TRAIN_STEPS },
      setProgress,
    )
      .then((r) => {
        setResult(r);
        // The form's estimate, this panel's and the sweep's all use these rates.
        const { measured } = useLab.getState();
        const old = measured?.adapter === r.adapter ? measured.rates : [];
        setMeasured({
          adapter: r.adapter,
          rates: mergeRates(
            old,
            benchStepRates(r).map((b) => ({ ...b, source: 'benchmark' as const })),
          ),
        });
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setProgress(null));
  };

  const exportJson = () => {
    if (!result) return;
    const presets = Object.fromEntries(
      (Object.keys(PRESET_LABELS) as PresetName[]).map((p) => [p, presetTime(p) ?? null]),
    );
    const doc = { ...result, presetSeconds: presets };
    const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
    downloadBlob(blob, `mup-lab-gpu-bench-${result.at.slice(0, 10)}.json`);
  };

  // The same function and rates as the form's estimate: the two always agree.
  const presetTime = (p: PresetName) =>
    result && vocab !== undefined ? estimateSeconds(preset(p), vocab, rates) : undefined;

  return (
    <section className="panel" aria-labelledby="gpu-bench-title" data-testid="gpu-bench">
      <div className="panel-head">
        <h2 id="gpu-bench-title">Benchmark this GPU</h2>
        {progress ? (
          <button type="button" onClick={cancelGpuBench}>
            Cancel benchmark
          </button>
        ) : (
          <button type="button" onClick={start} disabled={gpu.state !== 'ready' || sweepActive}>
            Benchmark this GPU
          </button>
        )}
      </div>
      <p className="muted">
        Matmul GFLOP/s at {MATMUL_SIZES.map((n) => `${n}³`).join(' and ')}, training tokens/s at
        widths {TRAIN_WIDTHS.slice(0, -1).join(', ')} and {TRAIN_WIDTHS.at(-1)} ({TRAIN_STEPS} steps
        of the Quick preset's model), and what each preset would take here.
        {gpu.state === 'ready' && ` Adapter: ${adapterLabel(gpu.adapter)}.`}
      </p>
      {progress && (
        <p role="status" data-testid="gpu-bench-progress">
          <progress max={progress.total} value={progress.done} aria-label="Benchmark progress" />{' '}
          {progress.done} of {progress.total}: {progress.label}…
        </p>
      )}
      {error && (
        <p role="alert" data-testid="gpu-bench-error">
          {error}
        </p>
      )}
      {result && (
        <>
          <table aria-label="GPU benchmark results">
            <thead>
              <tr>
                <th scope="col">Measurement</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {result.matmul.map((m) => (
                <tr key={`mm${m.size}`} data-testid={`gpu-bench-matmul-${m.size}`}>
                  <th scope="row">
                    matmul {m.size}³ ({m.variant})
                  </th>
                  <td>
                    {m.gflops.toFixed(m.gflops < 10 ? 2 : 0)} GFLOP/s ({m.ms.toFixed(0)} ms)
                  </td>
                </tr>
              ))}
              {result.train.map((t) => (
                <tr key={`w${t.width}`} data-testid={`gpu-bench-train-${t.width}`}>
                  <th scope="row">training, width {t.width}</th>
                  <td>
                    {fmt.si(t.tokensPerSec)} tokens/s ({fmt.si(t.flopsPerSec, 'FLOP/s')})
                  </td>
                </tr>
              ))}
              {(Object.keys(PRESET_LABELS) as PresetName[]).map((p) => {
                const s = presetTime(p);
                return (
                  <tr key={p} data-testid={`gpu-bench-preset-${p}`}>
                    <th scope="row">{PRESET_LABELS[p]} preset</th>
                    <td>{s === undefined ? '—' : `about ${fmt.duration(s)}`}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <button type="button" onClick={exportJson}>
            Export benchmark JSON
          </button>
        </>
      )}
    </section>
  );
}
