/**
 * An imported export document as the lab's own data: its sweep config (a user's text is not in
 * exports: it stays empty), its grid runs, horizon runs and verification runs as run records.
 */
import type { SweepConfig } from '../sweep/config';
import type { TransferExport } from './exportSchema';
import { runRecordSchema, type RunRecord } from '../sweep/types';

export function importedConfig(doc: TransferExport): SweepConfig {
  const c = doc.evidence.config;
  return {
    ...c,
    model: { ...c.model },
    data:
      c.data.kind === 'synthetic'
        ? { kind: 'synthetic', seed: c.data.seed, size: c.data.size }
        : c.data.kind === 'shakespeare'
          ? { kind: 'shakespeare' }
          : { kind: 'text', name: c.data.name, text: '' },
    hp: { ...c.hp },
    sweep: { ...c.sweep },
    train: { ...c.train, seeds: [...c.train.seeds], schedule: { ...c.train.schedule } },
  };
}

/** The grid's runs (the schema drops the export's log2Lr). */
export function importedRecords(doc: TransferExport): RunRecord[] {
  return doc.evidence.runs.map((r) => runRecordSchema.parse(r));
}

/** The horizon runs (none in files written before them). */
export function importedHorizonRuns(doc: TransferExport): RunRecord[] {
  return (doc.evidence.horizonRuns ?? []).map((r) => runRecordSchema.parse(r));
}

/** The verification's runs, the lab's target runs (none in files without a verification). */
export function importedVerificationRuns(doc: TransferExport): RunRecord[] {
  return (doc.verification?.results ?? []).flatMap((v) =>
    v.runs.map((r) => runRecordSchema.parse(r)),
  );
}
