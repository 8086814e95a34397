// Writes the export's and the plan's JSON Schemas (src/exchange/jsonSchemas.ts) and the
// parametrization table (src/mup/parametrizations.ts) where python/mup_lab finds them: python/mup_lab/schemas/ (gitignored; run by `npm run build` and
// scripts/python-tests.mjs), or the directory given as the first argument.
//   npx tsx scripts/python-schemas.ts [DIR]
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonSchemaDirFiles } from '../src/exchange/jsonSchemas';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'python', 'mup_lab', 'schemas'));
mkdirSync(out, { recursive: true });
for (const [name, schema] of Object.entries(pythonSchemaDirFiles())) {
  const path = join(out, name);
  // Temp file + rename: python never reads a half-written file.
  const fd = openSync(`${path}.tmp`, 'w');
  writeSync(fd, JSON.stringify(schema, null, 1) + '\n');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(`${path}.tmp`, path);
}
console.log(`python-schemas: wrote ${Object.keys(pythonSchemaDirFiles()).join(', ')} to ${out}`);
