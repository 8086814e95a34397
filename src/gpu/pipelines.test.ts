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

  it('joins the pair sum only to a kernel that declares its term type', () => {
    expect(withPrelude('alias PairTerm = f32;\n')).toContain('struct PairSum');
    expect(withPrelude('// alias PairTerm = f32;\n')).not.toContain('struct PairSum');
  });
});
