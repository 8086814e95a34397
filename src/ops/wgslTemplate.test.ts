import { describe, expect, it } from 'vitest';
import { expandUnroll, setConst } from './wgslTemplate';

describe('WGSL templates', () => {
  it('sets a constant line and refuses a missing one or a bad value', () => {
    const code = 'const D = 16u;\nconst DD = 3u;\nfn f() {}';
    expect(setConst(code, 'D', 7)).toBe('const D = 7u;\nconst DD = 3u;\nfn f() {}');
    expect(setConst(code, 'DD', 5)).toBe('const D = 16u;\nconst DD = 5u;\nfn f() {}');
    expect(() => setConst(code, 'R', 2)).toThrow(/"const R = \.\.\.u;" is missing/);
    expect(() => setConst(code, 'D', 1.5)).toThrow(/D must be a non-negative integer/);
  });

  it('repeats @unroll blocks, the first variable outer, and keeps other lines', () => {
    const code = [
      'let x = 1;',
      '  // @unroll a c',
      '  v$a_$c = f($au, $cu);',
      '  // @end',
      '// @unroll c',
      'w$c;',
      '// @end',
      '// a comment may say $a',
    ].join('\n');
    expect(expandUnroll(code, { a: 2, c: 3 }).split('\n')).toEqual([
      'let x = 1;',
      '  v0_0 = f(0u, 0u);',
      '  v0_1 = f(0u, 1u);',
      '  v0_2 = f(0u, 2u);',
      '  v1_0 = f(1u, 0u);',
      '  v1_1 = f(1u, 1u);',
      '  v1_2 = f(1u, 2u);',
      'w0;',
      'w1;',
      'w2;',
      '// a comment may say $a',
    ]);
  });

  it('rejects malformed templates with the line', () => {
    expect(() => expandUnroll('x = $a;', { a: 1 })).toThrow(/line 1: \$ outside an @unroll block/);
    expect(() => expandUnroll('// @unroll a\nx;', { a: 1 })).toThrow(
      /line 1: @unroll without @end/,
    );
    expect(() => expandUnroll('// @end', {})).toThrow(/line 1: @end without @unroll/);
    expect(() => expandUnroll('// @unroll b\n// @end', { a: 1 })).toThrow(
      /line 1: no count for unroll variable b/,
    );
    expect(() => expandUnroll('// @unroll a\n// @unroll a\n// @end', { a: 1 })).toThrow(
      /line 2: @unroll inside the block of line 1/,
    );
  });
});
