/**
 * "Download PyTorch trainer": a zip with the export, the python/mup_lab package (bundled with the
 * app at build time, so it works offline), the built-in corpus (synthetic, or Tiny Shakespeare
 * fetched from this origin) when the sweep used it, a README
 * and train.sh with the exact command line for the export's target width.
 */
import { zipSync, strToU8 } from 'fflate';
import { generateCorpus } from '../../src/data/corpus';
import { TINY_SHAKESPEARE } from '../../src/data/shakespeare';
import shakespeareUrl from '../../src/data/corpora/tinyshakespeare.txt?url';
import { exportFileName } from '../../src/sweep/export';
import type { TransferExport } from '../../src/sweep/exportSchema';
import { trainerCommand, trainerReadme, trainerTextName } from '../../src/sweep/pytorch';

/** python/mup_lab/*.py as text, keyed by their path relative to python/. */
const SOURCES: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>('../../python/mup_lab/*.py', {
      query: '?raw',
      import: 'default',
      eager: true,
    }),
  ).map(([path, text]) => [path.replace(/^.*\/python\//, ''), text]),
);

/** The bundle's files, path -> contents (`shakespeare`: the text, when the sweep used it). */
export function trainerFiles(doc: TransferExport, shakespeare?: string): Record<string, string> {
  const files: Record<string, string> = { ...SOURCES };
  if (!files['mup_lab/train.py']) throw new Error('The PyTorch trainer sources are missing');
  files[exportFileName(doc)] = JSON.stringify(doc, null, 2) + '\n';
  files['README.txt'] = trainerReadme(doc);
  files['train.sh'] = `#!/bin/sh\nset -e\ncd "$(dirname "$0")"\n${trainerCommand(doc)} "$@"\n`;
  const data = doc.evidence.config.data;
  if (data.kind === 'synthetic') {
    files[trainerTextName(doc)] = generateCorpus({ seed: data.seed, size: data.size }).text;
  }
  if (data.kind === 'shakespeare') {
    if (shakespeare === undefined) throw new Error(`${TINY_SHAKESPEARE.label} is not loaded`);
    files[trainerTextName(doc)] = shakespeare;
  }
  return files;
}

/** e.g. mup-lab_pytorch_mup_w1024_2026-12-01.zip */
export function trainerZipName(doc: TransferExport): string {
  return exportFileName(doc)
    .replace(/^mup-lab_/, 'mup-lab_pytorch_')
    .replace(/_base\d+_/, `_w${doc.target.shape.width}_`)
    .replace(/\.json$/, '.zip');
}

/** Tiny Shakespeare from this origin (python/mup_lab checks its SHA-256 before training). */
async function fetchShakespeare(): Promise<string> {
  const response = await fetch(shakespeareUrl);
  if (!response.ok)
    throw new Error(`${TINY_SHAKESPEARE.label} could not be loaded (HTTP ${response.status})`);
  return response.text();
}

export async function trainerZip(doc: TransferExport): Promise<Blob> {
  const root = trainerZipName(doc).replace(/\.zip$/, '');
  const shakespeare =
    doc.evidence.config.data.kind === 'shakespeare' ? await fetchShakespeare() : undefined;
  const entries = Object.fromEntries(
    Object.entries(trainerFiles(doc, shakespeare)).map(([path, text]) => [
      `${root}/${path}`,
      strToU8(text),
    ]),
  );
  const zipped = zipSync(entries, { level: 6 });
  return new Blob([zipped.buffer as ArrayBuffer], { type: 'application/zip' });
}
