/**
 * Reads an export file: `parseImport` checks the JSON's structure (size, nesting, forbidden
 * keys) without recursion, then validates it with the export schema, and never throws.
 */
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  transferExportSchema,
  type TransferExport,
} from './exportSchema';
import { IMPORT_LIMITS as L } from '../sweep/schemaParts';

export type ImportResult = { ok: true; doc: TransferExport } | { ok: false; message: string };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** "evidence.runs[3].finalLoss" */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** The longest list any field accepts (runs, and losses per run). */
const LONGEST_LIST = Math.max(L.list, L.runs, L.lossesPerRun);

interface WalkNode {
  value: object;
  parent: WalkNode | undefined;
  key: PropertyKey;
  depth: number;
}

function pathOf(node: WalkNode | undefined, last?: PropertyKey): PropertyKey[] {
  const path: PropertyKey[] = last === undefined ? [] : [last];
  for (let n = node; n?.parent; n = n.parent) path.push(n.key);
  return path.reverse();
}

/**
 * The path of the first forbidden key, too-deep nesting or over-long list, walking without
 * recursion. Only objects and arrays are visited and paths are built only for the message, so a
 * 50 MB file of numbers is checked in a few milliseconds per MB.
 */
function findBadStructure(root: unknown): string | undefined {
  if (typeof root !== 'object' || root === null) return undefined;
  const stack: WalkNode[] = [{ value: root, parent: undefined, key: '', depth: 0 }];
  while (stack.length > 0) {
    const node = stack.pop() as WalkNode;
    const { value, depth } = node;
    if (depth > L.nesting) return `${formatPath(pathOf(node))}: nested too deeply`;
    if (Array.isArray(value)) {
      if (value.length > LONGEST_LIST) {
        return `${formatPath(pathOf(node))}: too many entries (${value.length}; at most ${LONGEST_LIST})`;
      }
      for (let i = value.length - 1; i >= 0; i--) {
        const v: unknown = value[i];
        if (typeof v === 'object' && v !== null)
          stack.push({ value: v, parent: node, key: i, depth: depth + 1 });
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        return `${formatPath(pathOf(node, key))}: the key "${key}" is not allowed`;
      }
      const v: unknown = (value as Record<string, unknown>)[key];
      if (typeof v === 'object' && v !== null)
        stack.push({ value: v, parent: node, key, depth: depth + 1 });
    }
  }
  return undefined;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * A version-1 file as version 2: v1 was written before the optimizer choice, so every run in it
 * trained with AdamW; where it names no optimizer (hyperparameters, the sweep config's, the
 * target's values) it gets 'adamw'. Copies; `raw` is left as it was.
 */
export function migrateV1(raw: Record<string, unknown>): Record<string, unknown> {
  const doc = structuredClone(raw);
  const objectAt = (path: string[]): Record<string, unknown> | undefined => {
    let cur: unknown = doc;
    for (const k of path) {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[k];
    }
    return typeof cur === 'object' && cur !== null && !Array.isArray(cur)
      ? (cur as Record<string, unknown>)
      : undefined;
  };
  for (const [path, key] of [
    [['hyperparameters'], 'optimizer'],
    [['evidence', 'config', 'hp'], 'optimizer'],
    [['target', 'optimizer'], 'name'],
  ] as const) {
    const o = objectAt([...path]);
    if (o && o[key] === undefined) o[key] = 'adamw';
  }
  doc.version = EXPORT_VERSION;
  return doc;
}

/**
 * Reads an export file (version 1 files are migrated: migrateV1). Never throws; every failure is one line naming the field:
 * malformed JSON, a foreign format, another version, wrong types, non-finite numbers (1e999),
 * absurd sizes, and `__proto__`/`constructor`/`prototype` keys (JSON.parse stores them as own
 * properties, so nothing is polluted; they are rejected before any object is copied).
 */
export function parseImport(text: string): ImportResult {
  const fail = (message: string): ImportResult => ({ ok: false, message: oneLine(message) });
  try {
    if (typeof text !== 'string') return fail('The file is not text.');
    if (text.length > L.chars) {
      return fail(
        `The file is too large (${(text.length / 2 ** 20).toFixed(0)} MB; at most ${L.chars / 2 ** 20} MB).`,
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      return fail(`Not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return fail('Not a µP Lab export: the file must contain a JSON object.');
    }
    const bad = findBadStructure(raw);
    if (bad) return fail(bad);
    const head = raw as Record<string, unknown>;
    if (head.format !== EXPORT_FORMAT) {
      const got = typeof head.format === 'string' ? `"${head.format.slice(0, 80)}"` : 'missing';
      return fail(
        `format: not a µP Lab transfer file (format is ${got}; expected "${EXPORT_FORMAT}")`,
      );
    }
    if (typeof head.version !== 'number' || !Number.isInteger(head.version)) {
      return fail(`version: must be an integer (got ${JSON.stringify(head.version) ?? 'nothing'})`);
    }
    if (head.version > EXPORT_VERSION) {
      return fail(
        `version: made by a newer version of µP Lab (v${head.version}); this lab reads v${EXPORT_VERSION}`,
      );
    }
    if (head.version !== EXPORT_VERSION && head.version !== 1) {
      return fail(
        `version: v${head.version} is not supported; this lab reads v1 to v${EXPORT_VERSION}`,
      );
    }
    const parsed = transferExportSchema.safeParse(head.version === 1 ? migrateV1(head) : raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const extra =
        parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
      let message = issue.message;
      if (issue.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
      return fail(`${formatPath(issue.path)}: ${message}${extra}`);
    }
    return { ok: true, doc: parsed.data };
  } catch (e) {
    return fail(`Could not read the file: ${e instanceof Error ? e.message : String(e)}`);
  }
}
