/**
 * "Download PyTorch trainer": a zip with the export, the python/mup_lab package (bundled with the
 * app at build time, so it works offline), the built-in corpus (synthetic, or Tiny Shakespeare
 * fetched from this origin) when the sweep used it, a README
 * and train.sh with the exact command line for the export's target width; mup_lab/schemas holds
 * the export's JSON Schema (src/exchange/jsonSchemas.ts), which mup_lab checks the export against,
 * and the parametrization table (src/mup/parametrizations.ts) its rules read.
 * train.sh runs as shipped: executable in the zip (Unix mode 0755), "${PYTHON:-python3}", every
 * path quoted and passed as ./name (a text named "-rf data.txt" is a file, not options).
 */
import { zipSync, strToU8, type Zippable } from 'fflate';
import { generateCorpus } from '../../src/data/corpus';
import { TINY_SHAKESPEARE } from '../../src/data/shakespeare';
import shakespeareUrl from '../../src/data/corpora/tinyshakespeare.txt?url';
import { exportFileName } from '../../src/exchange/export';
import { pythonSchemaDirFiles } from '../../src/exchange/jsonSchemas';
import type { TransferExport } from '../../src/exchange/exportSchema';
import { trainerCommand, trainerReadme, trainerTextName } from '../../src/exchange/pytorch';

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

const TRAIN_SH = 'train.sh';

/** Unix mode bits in a zip entry's external attributes (fflate: mode << 16, with os 3 = Unix). */
const unixMode = (mode: number) => ({ os: 3, attrs: ((0o100000 | mode) << 16) >>> 0 });

/** The bundle's files, path -> contents (`shakespeare`: the text, when the sweep used it). */
export function trainerFiles(doc: TransferExport, shakespeare?: string): Record<string, string> {
  const files: Record<string, string> = { ...SOURCES };
  if (!files['mup_lab/train.py']) throw new Error('The PyTorch trainer sources are missing');
  // The schemas mup_lab validates the export with (when python3-jsonschema is installed), and
  // the parametrization table its rules read.
  for (const [name, schema] of Object.entries(pythonSchemaDirFiles())) {
    files[`mup_lab/schemas/${name}`] = JSON.stringify(schema, null, 1) + '\n';
  }
  files[exportFileName(doc)] = JSON.stringify(doc, null, 2) + '\n';
  files['README.txt'] = trainerReadme(doc);
  files[TRAIN_SH] =
    '#!/bin/sh\n# Extra options are passed on, e.g. ./train.sh --steps 100 (the last one given counts).\n' +
    'set -e\ncd "$(dirname "$0")"\n' +
    `exec ${trainerCommand(doc, '"${PYTHON:-python3}"')} "$@"\n`;
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

/** The zip's bytes (`shakespeare`: the text, when the sweep used it). */
export function trainerZipBytes(doc: TransferExport, shakespeare?: string): Uint8Array {
  const root = trainerZipName(doc).replace(/\.zip$/, '');
  const entries: Zippable = Object.fromEntries(
    Object.entries(trainerFiles(doc, shakespeare)).map(([path, text]) => [
      `${root}/${path}`,
      [strToU8(text), unixMode(path === TRAIN_SH ? 0o755 : 0o644)],
    ]),
  );
  return zipSync(entries, { level: 6 });
}

export async function trainerZip(doc: TransferExport): Promise<Blob> {
  const shakespeare =
    doc.evidence.config.data.kind === 'shakespeare' ? await fetchShakespeare() : undefined;
  const zipped = trainerZipBytes(doc, shakespeare);
  return new Blob([zipped.buffer as ArrayBuffer], { type: 'application/zip' });
}
