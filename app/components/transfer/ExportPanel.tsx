import { useMemo, type RefObject } from 'react';
import { adapterLabel } from '../../../src/gpu/adapter';
import { widthStep } from '../../../src/mup/shapes';
import { buildExport } from '../../../src/exchange/export';
import type { TransferExport } from '../../../src/exchange/exportSchema';
import { useShallow } from 'zustand/react/shallow';
import { shownVerificationWidth, verificationAt } from '../../../src/sweep/verify';
import {
  importedConfig,
  importedHorizonRuns,
  importedRecords,
  importedVerificationRuns,
} from '../../../src/exchange/imported';
import { useLab, type AnalysisState } from '../../store';
import type { ParametrizationAnalysis } from '../../../src/analysis/analysis';
import { asRecorded, withMetric, type LossMetric } from '../../../src/analysis/metric';
import type { ChartModel } from '../../lib/results';
import { nameNextEntry } from '../../sweeps/sweepList';
import { ExportImport } from '../ExportImport';
import { defaultTarget } from './TargetWidthPanel';

/**
 * Shows an export's results as the lab's, as a new entry of the Sweeps list (the Import JSON
 * button, and the built-in example).
 */
export function importDocument(imported: TransferExport, example = false): void {
  const config = importedConfig(imported);
  // The user's text is not in exports: the same text, when it is loaded, is used.
  const current = useLab.getState().config.data;
  if (config.data.kind === 'text' && current.kind === 'text') {
    if (current.name === config.data.name) config.data = current;
  }
  const date = imported.environment.date.slice(0, 10);
  // A new entry of the Sweeps list: the sweep shown before stays in it.
  nameNextEntry(example ? `Example: Tiny preset (${date})` : `Import: export of ${date}`, 'import');
  useLab
    .getState()
    .importResults(
      config,
      importedRecords(imported),
      imported.base.vocab,
      example ? 'the example result' : `the export of ${date}`,
      importedHorizonRuns(imported),
      importedVerificationRuns(imported),
    );
}

/** The off-thread analysis's results per metric, as buildExport takes them. */
function analysisByMetric(a: AnalysisState): Record<LossMetric, ParametrizationAnalysis[]> {
  const of = (charts: ChartModel[]) => charts.flatMap((c) => (c.analysis ? [c.analysis] : []));
  return { train: of(a.charts), val: of(a.valCharts) };
}

/** Export the tuned hyperparameters (JSON, PyTorch, PNG, CSV) or import an earlier export. */
export function ExportPanel({ chartRef }: { chartRef: RefObject<HTMLElement | null> }) {
  // While the sweep runs the export waits (it analyses every run): Pause or the end builds it.
  const sweep = useLab(
    useShallow((s) =>
      s.sweep.status === 'running'
        ? null
        : {
            config: s.sweep.config,
            records: s.sweep.records,
            horizonRuns: s.sweep.horizonRuns,
            targetRuns: s.sweep.targetRuns,
            vocab: s.sweep.vocab,
          },
    ),
  );
  const gpu = useLab((s) => s.gpu);
  const metric = useLab((s) => s.metric);
  // The off-thread analysis of these very records, when it has arrived (else buildExport runs it).
  const analyses = useLab((s) =>
    s.analysis && s.analysis.records === s.sweep.records ? s.analysis : null,
  );
  const chosen = useLab((s) => s.targetWidth);
  const adapter = gpu.state === 'ready' ? adapterLabel(gpu.adapter) : 'unknown adapter';
  // Keyed by the width it shows, so that moving the slider does not redo its analysis.
  const verifiedWidth = sweep ? shownVerificationWidth(sweep.targetRuns, chosen) : undefined;
  const verification = useMemo(
    () =>
      sweep?.config && verifiedWidth !== undefined
        ? asRecorded(
            verificationAt(
              sweep.config,
              withMetric(sweep.records, metric),
              withMetric(sweep.targetRuns, metric),
              verifiedWidth,
            ),
            sweep.targetRuns,
          )
        : [],
    [sweep, verifiedWidth, metric],
  );
  const doc = useMemo(() => {
    if (!sweep) return null;
    const c = sweep.config;
    if (!c || sweep.vocab === null || sweep.records.length === 0) return null;
    try {
      return buildExport({
        config: c,
        records: sweep.records,
        horizonRuns: sweep.horizonRuns,
        vocab: sweep.vocab,
        targetWidth: chosen ?? defaultTarget(c.widths, widthStep(c.model)),
        environment: { adapter },
        verification,
        metric,
        analyses: analyses ? analysisByMetric(analyses) : undefined,
      });
    } catch {
      return null;
    }
  }, [sweep, verification, chosen, adapter, metric, analyses]);
  return (
    <section className="panel export" aria-labelledby="export-title">
      <h2 id="export-title">Export and import</h2>
      <p className="muted">
        The tuned hyperparameters with the evidence behind them, ready for PyTorch and{' '}
        <code>mup</code>; or load an earlier export to see its results again.
      </p>
      <ExportImport
        doc={doc}
        chartRef={chartRef}
        chartName="mup-lab_transfer"
        onImport={(imported) => importDocument(imported)}
      />
    </section>
  );
}
