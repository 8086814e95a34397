/**
 * The built-in example result (public/example-result.json, written by scripts/make-example.mjs
 * from a real CLI sweep of the Tiny preset): fetched from this origin on demand, checked by
 * parseImport like any imported file, so it can be explored without WebGPU.
 */
import { parseImport } from '../../src/exchange/exportParse';
import type { TransferExport } from '../../src/exchange/exportSchema';

/** Relative to the page (the build's base is './'), so it works under any path. */
export const EXAMPLE_RESULT_FILE = 'example-result.json';

export async function fetchExampleResult(): Promise<TransferExport> {
  let text: string;
  try {
    const response = await fetch(EXAMPLE_RESULT_FILE);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (e) {
    throw new Error(
      `The example result could not be loaded (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const parsed = parseImport(text);
  if (!parsed.ok) throw new Error(`The example result is not valid: ${parsed.message}`);
  return parsed.doc;
}
