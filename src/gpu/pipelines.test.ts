import { describe, expect, it } from 'vitest';
import { withPrelude } from './pipelines';

describe('withPrelude', () => {
  it('appends the shared helpers after the kernel, keeping its line numbers', () => {
    const code = withPrelude('fn main() {}');
    expect(code.startsWith('fn main() {}\n')).toBe(true);
    expect(code).toContain('fn flatIndex(');
    expect(code).toContain('fn nonFinite(');
    expect(code).not.toContain('struct PairSum');
  });

  it('appends each snippet a kernel names by // @use, once', () => {
    const code = withPrelude('// @use pair_sum\nalias PairTerm = f32;\n// @use pair_sum\n');
    expect(code.match(/struct PairSum/g)).toHaveLength(1);
    expect(withPrelude('let a = 1; // @use pair_sum\n')).not.toContain('struct PairSum');
  });

  it('names the kernel and the snippet of a // @use without a file', () => {
    expect(() => withPrelude('// @use no_such_snippet\n', 'k')).toThrow(
      /k.*no kernels\/shared\/no_such_snippet\.wgsl/,
    );
  });
});
