/** The config the transfer panels work from, and the µP-tuned value of its swept hyperparameter. */
import { useMemo } from 'react';
import type { MupHyperparams, Parametrization } from '../../../src/mup/rules';
import { tunedLog2 } from '../../../src/analysis/analysis';
import type { SweepConfig } from '../../../src/sweep/config';
import { validOrNull } from '../../lib/validConfig';
import { useLab } from '../../store';
import type { LossMetric } from '../../../src/analysis/metric';

export interface Tuned {
  config: SweepConfig;
  vocab: number | null;
  /** log2 of the tuned swept value (µP's when it was swept), undefined before any result. */
  log2: number | undefined;
  /** Whose optimum it is, and on which loss. */
  parametrization: Parametrization;
  metric: LossMetric;
  /** The base hyperparameters with the tuned value in place. */
  hp: MupHyperparams;
}

/** The tuned value of the sweep's config, or of the form's while there is no sweep (null while that is invalid). */
export function useTuned(): Tuned | null {
  const sweepConfig = useLab((s) => s.sweep.config);
  const formConfig = useLab((s) => validOrNull(s.config));
  // The sweep's analysis, computed off the UI thread (app/analysisClient.ts), on the loss the
  // chart shows (and the export states).
  const metric = useLab((s) => s.metric);
  const charts = useLab((s) =>
    s.analysis && s.analysis.config === s.sweep.config
      ? metric === 'val'
        ? s.analysis.valCharts
        : s.analysis.charts
      : undefined,
  );
  const sweepVocab = useLab((s) => s.sweep.vocab);
  const data = useLab((s) => s.data);
  const config = sweepConfig ?? formConfig;
  const vocab = sweepConfig ? sweepVocab : data.state === 'ready' ? data.vocab : null;
  return useMemo(() => {
    if (config === null) return null;
    const p: Parametrization = config.parametrizations.includes('mup')
      ? 'mup'
      : config.parametrizations[0];
    const analysis = sweepConfig
      ? charts?.find((ch) => ch.parametrization === p)?.analysis
      : undefined;
    const base = config.axis === 'width' ? config.baseWidth : config.baseDepth;
    // Rounded: the value goes into run ids and labels.
    const fit = analysis ? tunedLog2(analysis, base) : undefined;
    const log2 = fit !== undefined && Number.isFinite(fit) ? Number(fit.toFixed(4)) : undefined;
    const hp = { ...config.hp };
    if (log2 !== undefined) hp[config.sweep.name] = 2 ** log2;
    return { config, vocab, log2, parametrization: p, metric, hp };
  }, [config, charts, sweepConfig, vocab, metric]);
}
