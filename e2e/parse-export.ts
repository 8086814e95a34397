/**
 * `node --import tsx e2e/parse-export.ts FILE`: prints parseImport(FILE's text) as JSON.
 *
 * The e2e tests validate downloaded exports with this child process because src/exchange/export.ts
 * imports package.json without an import attribute (fine for Vite and tsx), which Playwright's
 * Node ESM loader refuses.
 */
import { readFileSync } from 'node:fs';
import { parseImport } from '../src/exchange/exportParse';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: parse-export.ts FILE\n');
  process.exit(2);
}
process.stdout.write(JSON.stringify(parseImport(readFileSync(file, 'utf8'))));
