import { useMemo, type RefObject } from 'react';
import { adapterLabel } from '../../../src/gpu/device';
import { widthStep } from '../../../src/mup/shapes';
import { buildExport } from '../../../src/sweep/export';
import { shownVerificationWidth, verificationAt } from '../../../src/sweep/verify';
import {
  importedConfig,
  importedHorizonRuns,
  importedRecords,
  importedVerificationRuns,
} from '../../../src/sweep/imported';
import { useLab } from '../../store';
import { nameNextEntry } from '../../sweeps/sweepList';
import { ExportImport } from '../ExportImport';
import { defaultTarget } from './TargetWidthPanel';

/** Export the tuned hyperparameters (JSON, PyTorch, PNG, CSV) or import an earlier export. */
export function ExportPanel({ chartRef }: { chartRef: RefObject<HTMLElement | null> }) {
  const sweep = useLab((s) => s.sweep);
  const gpu = useLab((s) => s.gpu);
  const chosen = useLab((s) => s.targetWidth);
  const importResults = useLab((s) => s.importResults);
  const adapter = gpu.state === 'ready' ? adapterLabel(gpu.adapter) : 'unknown adapter';
  // Keyed by the width it shows, so that moving the slider does not redo its analysis.
  const verifiedWidth = shownVerificationWidth(sweep.targetRuns, chosen);
  const verification = useMemo(
    () =>
      sweep.config && verifiedWidth !== undefined
        ? verificationAt(sweep.config, sweep.records, sweep.targetRuns, verifiedWidth)
        : [],
    [sweep.config, sweep.records, sweep.targetRuns, verifiedWidth],
  );
  const doc = useMemo(() => {
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
      });
    } catch {
      return null;
    }
  }, [sweep.config, sweep.records, sweep.horizonRuns, verification, sweep.vocab, chosen, adapter]);
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
        onImport={(imported) => {
          const config = importedConfig(imported);
          // The user's text is not in exports: the same text, when it is loaded, is used.
          const current = useLab.getState().config.data;
          if (config.data.kind === 'text' && current.kind === 'text') {
            if (current.name === config.data.name) config.data = current;
          }
          const date = imported.environment.date.slice(0, 10);
          // A new entry of the Sweeps list: the sweep shown before stays in it.
          nameNextEntry(`Import: export of ${date}`, 'import');
          importResults(
            config,
            importedRecords(imported),
            imported.base.vocab,
            `the export of ${date}`,
            importedHorizonRuns(imported),
            importedVerificationRuns(imported),
          );
        }}
      />
    </section>
  );
}
