/**
 * Specialising a WGSL kernel to compile-time sizes: WGSL has no override-sized arrays and no
 * loop unrolling, so a kernel that wants a size as a constant (array lengths) or its loops
 * unrolled into named registers is written as a template and specialised here per size.
 *
 * - `setConst(code, name, value)` rewrites the kernel's line `const NAME = <number>u;`.
 * - `expandUnroll(code, counts)` repeats the lines between `// @unroll x [y]` and `// @end` for
 *   x = 0 .. counts[x] - 1 (and y inside x), replacing `$x` (and `$y`) by the numbers. Blocks do
 *   not nest; a `$` in code (not a comment) outside a block, a variable without a count or an
 *   unclosed block throws.
 */

/** `code` with its line `const NAME = <n>u;` set to `value`; throws if the line is missing. */
export function setConst(code: string, name: string, value: number): string {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`setConst: ${name} must be a non-negative integer, got ${value}`);
  }
  const line = new RegExp(`^(\\s*const ${name} = )\\d+u;`, 'm');
  if (!line.test(code))
    throw new Error(`kernel template: the line "const ${name} = ...u;" is missing`);
  return code.replace(line, `$1${value}u;`);
}

const UNROLL = /^\s*\/\/ @unroll((?: [a-z])+)\s*$/;
const END = /^\s*\/\/ @end\s*$/;

/** The lines of each `// @unroll` block repeated for every value of its variables. */
export function expandUnroll(code: string, counts: Readonly<Record<string, number>>): string {
  const out: string[] = [];
  let block: { vars: string[]; lines: string[]; at: number } | undefined;
  code.split('\n').forEach((line, i) => {
    const open = UNROLL.exec(line);
    if (open) {
      if (block)
        throw new Error(
          `kernel template line ${i + 1}: @unroll inside the block of line ${block.at}`,
        );
      const vars = open[1].trim().split(' ');
      for (const v of vars) {
        if (!Number.isInteger(counts[v]) || counts[v] < 1) {
          throw new Error(`kernel template line ${i + 1}: no count for unroll variable ${v}`);
        }
      }
      block = { vars, lines: [], at: i + 1 };
    } else if (END.test(line)) {
      if (!block) throw new Error(`kernel template line ${i + 1}: @end without @unroll`);
      out.push(...repeat(block.lines, block.vars, counts));
      block = undefined;
    } else if (block) {
      block.lines.push(line);
    } else {
      if (line.replace(/\/\/.*$/, '').includes('$'))
        throw new Error(`kernel template line ${i + 1}: $ outside an @unroll block`);
      out.push(line);
    }
  });
  if (block) throw new Error(`kernel template line ${block.at}: @unroll without @end`);
  return out.join('\n');
}

function repeat(
  lines: string[],
  vars: string[],
  counts: Readonly<Record<string, number>>,
): string[] {
  if (vars.length === 0) return lines;
  const [v, ...rest] = vars;
  const out: string[] = [];
  for (let k = 0; k < counts[v]; k++) {
    out.push(
      ...repeat(
        lines.map((l) => l.replaceAll(`$${v}`, String(k))),
        rest,
        counts,
      ),
    );
  }
  return out;
}
