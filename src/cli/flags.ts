/**
 * The CLI's flags: each declared once with its type, default and help line; parsed by Node's
 * `util.parseArgs` (tokens mode), then every value checked against its type, so that a command
 * sees only well-formed values and the user gets one line naming the flag. Negative numbers are
 * values (`--width -5`, `--lr-log2 -12:-2`), `-h`/`--help` asks for the command's help.
 */
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

/** What a flag's value must be. */
export type FlagKind =
  | 'boolean'
  | 'int'
  | 'non-negative-int'
  | 'positive-int'
  | 'number'
  | 'positive-number'
  | 'non-negative-number'
  | 'positive-int-list'
  | 'int-list'
  | 'non-negative-int-list'
  | 'log2-range'
  | 'file'
  | 'dir'
  | {
      choices: readonly string[];
      list?: boolean;
      /** Other spellings of a choice, e.g. µp for mup (the command maps them). */
      aliases?: readonly string[];
    };

export interface FlagSpec {
  kind: FlagKind;
  help: string;
  /** Shown in the help; also the parsed value when the flag is absent (string flags only). */
  default?: string;
  /** Only shown in the help (e.g. "the preset's"): the command picks the value. */
  defaultNote?: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** Parsed flags: strings for valued flags, booleans for switches. */
export type FlagValues = Record<string, string | boolean | undefined>;

const TYPE_NAMES: Record<Exclude<FlagKind, object>, string> = {
  boolean: '',
  int: 'INT',
  'non-negative-int': 'INT>=0',
  'positive-int': 'INT>0',
  number: 'NUM',
  'positive-number': 'NUM>0',
  'non-negative-number': 'NUM>=0',
  'positive-int-list': 'INT,INT,...',
  'int-list': 'INT,INT,...',
  'non-negative-int-list': 'INT,INT,...',
  'log2-range': 'LO:HI[:STEP]',
  file: 'FILE',
  dir: 'DIR',
};

function typeName(kind: FlagKind): string {
  if (typeof kind === 'object') return kind.choices.join('|') + (kind.list ? '[,...]' : '');
  return TYPE_NAMES[kind];
}

/** `--flag: must be <what> (got <value>)`. */
export function invalid(flag: string, what: string, got: string): UsageError {
  return new UsageError(`--${flag}: must be ${what} (got ${JSON.stringify(got)})`);
}

const isInt = (s: string) => /^[+-]?\d+$/.test(s.trim()) && Number.isSafeInteger(Number(s));
const isNum = (s: string) => s.trim() !== '' && Number.isFinite(Number(s));

/** Throws a UsageError naming `flag` unless `value` is of `kind`. */
export function checkValue(flag: string, kind: FlagKind, value: string): void {
  const n = Number(value);
  const items = value.split(',').map((x) => x.trim());
  switch (kind) {
    case 'boolean':
      return;
    case 'int':
      if (!isInt(value)) throw invalid(flag, 'an integer', value);
      return;
    case 'non-negative-int':
      if (!isInt(value) || n < 0) throw invalid(flag, 'a non-negative integer', value);
      return;
    case 'positive-int':
      if (!isInt(value) || n < 1) throw invalid(flag, 'a positive integer', value);
      return;
    case 'number':
      if (!isNum(value)) throw invalid(flag, 'a number', value);
      return;
    case 'positive-number':
      if (!isNum(value) || n <= 0) throw invalid(flag, 'a positive number', value);
      return;
    case 'non-negative-number':
      if (!isNum(value) || n < 0) throw invalid(flag, 'a non-negative number', value);
      return;
    case 'positive-int-list':
      if (!items.every((x) => isInt(x) && Number(x) >= 1))
        throw invalid(flag, 'positive integers separated by commas', value);
      return;
    case 'non-negative-int-list':
      if (!items.every((x) => isInt(x) && Number(x) >= 0))
        throw invalid(flag, 'non-negative integers separated by commas', value);
      return;
    case 'int-list':
      if (!items.every(isInt)) throw invalid(flag, 'integers separated by commas', value);
      return;
    case 'log2-range': {
      const parts = value.split(':');
      if (parts.length < 2 || parts.length > 3 || !parts.every(isNum))
        throw invalid(flag, 'a log2 range like -12:-2 or -12:-2:0.5', value);
      if (parts.length === 3 && Number(parts[2]) <= 0)
        throw invalid(flag, 'a log2 range with a positive step', value);
      return;
    }
    case 'file':
    case 'dir':
      if (value.trim() === '') throw invalid(flag, 'a path', value);
      return;
    default: {
      // Choices are lowercase; SP, MuP and the like are the same choice.
      const known = (x: string) =>
        kind.choices.includes(x.toLowerCase()) || !!kind.aliases?.includes(x.toLowerCase());
      const ok = kind.list ? items.every(known) : known(value.trim());
      if (!ok)
        throw invalid(
          flag,
          kind.list
            ? `${kind.choices.join(', ')} or a comma-separated list of them`
            : `one of ${kind.choices.join(', ')}`,
          value,
        );
    }
  }
}

/** The closest known flag to a mistyped one (edit distance <= 2), for the hint. */
function closest(name: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++)
        d[i][j] = Math.min(
          d[i - 1][j] + 1,
          d[i][j - 1] + 1,
          d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
    return d[a.length][b.length];
  };
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const dist = distance(name, k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best;
}

export type ParsedFlags = { help: true } | { help: false; values: FlagValues };

/**
 * Parses `argv` for `command` against `specs`: `{help: true}` for -h/--help, else every flag's
 * value (defaults filled in), each checked against its kind. Throws a one-line UsageError.
 */
export function parseFlags(
  command: string,
  argv: readonly string[],
  specs: FlagSpecs,
): ParsedFlags {
  const hint = `(mup-lab ${command} --help lists them)`;
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [
      name,
      { type: s.kind === 'boolean' ? ('boolean' as const) : ('string' as const) },
    ]),
  );
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };
  const values: FlagValues = {};
  for (const t of tokens) {
    if (t.kind === 'positional')
      throw new UsageError(`mup-lab ${command}: unexpected argument "${t.value}" ${hint}`);
    if (t.kind !== 'option') continue;
    const spec = Object.hasOwn(specs, t.name) ? specs[t.name] : undefined;
    if (!spec || !t.rawName.startsWith('--')) {
      const near = t.rawName.startsWith('--') ? closest(t.name, Object.keys(specs)) : undefined;
      throw new UsageError(
        `mup-lab ${command}: unknown option ${t.rawName}` +
          (near ? ` (did you mean --${near}?)` : ` ${hint}`),
      );
    }
    if (spec.kind === 'boolean') {
      if (t.value !== undefined)
        throw new UsageError(`--${t.name}: takes no value (got ${JSON.stringify(t.value)})`);
      values[t.name] = true;
      continue;
    }
    // "--out --steps": the next word is a flag, not a value. A single dash is a value
    // (a negative number, a range, a file named "-rf data.txt").
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--')))
      throw new UsageError(`--${t.name}: needs a value (${typeName(spec.kind)})`);
    checkValue(t.name, spec.kind, t.value);
    values[t.name] = t.value;
  }
  for (const [name, s] of Object.entries(specs))
    if (values[name] === undefined && s.default !== undefined) values[name] = s.default;
  return { help: false, values };
}

/** A command's help: usage line, description, then each option with its type and default. */
export function helpText(
  command: string,
  usage: string,
  description: string,
  specs: FlagSpecs,
): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const type = typeName(s.kind);
    const left = `  --${name}${type ? ` ${type}` : ''}`;
    const dflt = s.default ?? s.defaultNote;
    return { left, right: s.help + (dflt !== undefined ? ` (default: ${dflt})` : '') };
  });
  rows.push({ left: '  -h, --help', right: 'show this help' });
  const width = Math.min(34, Math.max(...rows.map((r) => r.left.length)) + 2);
  const lines = rows.map((r) =>
    r.left.length + 2 > width
      ? `${r.left}\n${' '.repeat(width)}${r.right}`
      : r.left.padEnd(width) + r.right,
  );
  return `usage: mup-lab ${command} ${usage}\n\n${description}\n\noptions:\n${lines.join('\n')}`;
}
