import { describe, expect, it } from 'vitest';
import { createTensor, releaseTensor, uploadTensor, type GpuContext } from '../gpu';
import { embeddingBackwardRef, embeddingRef, type EmbeddingRefShape } from '../reference/embedding';
import { Rng } from '../util/random';
import { expectWithin, useGpu } from '../../test/gpu';
import { withScope } from './selftest/common';
import { runEmbedding } from './selftest/embedding';
import { embeddingGradBound, embeddingGradScales, embeddingOutBound } from './errorBounds';
import { centralDifferences, dot, maxRelativeDifference } from '../../test/gradcheck';
import {
  EMBEDDING_BACKWARD_VARIANTS,
  prepareEmbeddingBackward,
  prepareEmbeddingForward,
  type EmbeddingBackwardVariant,
} from './embedding';

const gpu = useGpu();

interface Case extends EmbeddingRefShape {
  seed: number;
  beta?: number;
  /** dPos's accumulation factor (default beta). */
  posBeta?: number;
  /** Put ids >= vocab at a few positions. */
  invalid?: boolean;
  repeat?: boolean;
  ctx?: GpuContext;
  variant?: EmbeddingBackwardVariant;
}

function tokensFor(rng: Rng, c: Case): Uint32Array {
  const n = c.batch * c.seq;
  const tokens = Uint32Array.from({ length: n }, () => rng.int(c.vocab));
  if (c.invalid) {
    tokens[0] = c.vocab;
    tokens[n - 1] = 0xffffffff;
  }
  return tokens;
}

/**
 * Tolerances: embeddingOutBound (forward) and embeddingGradBound (dTok, dPos), derived in
 * src/ops/errorBounds.ts.
 */
async function check(c: Case) {
  const ctx = c.ctx ?? gpu();
  const { batch, seq, vocab, dim } = c;
  const posRows = c.posRows ?? seq;
  const alpha = c.alpha ?? 1;
  const beta = c.beta ?? 0;
  const posBeta = c.posBeta ?? beta;
  const rng = new Rng(c.seed);
  const tokens = tokensFor(rng, c);
  const tok = rng.uniformArray(vocab * dim);
  const pos = rng.uniformArray(posRows * dim);
  const dOut = rng.uniformArray(batch * seq * dim);
  const dTok0 = rng.uniformArray(vocab * dim);
  const dPos0 = rng.uniformArray(posRows * dim);

  const shape = { batch, seq, vocab, dim, posRows, alpha };
  const { out, dTok, dPos } = await withScope(ctx, async (scope) => {
    const got = await runEmbedding(scope, {
      shape,
      data: { tokens, tok, pos, dOut, dTok0, dPos0 },
      beta,
      posBeta,
      variant: c.variant,
    });
    if (c.repeat) {
      const again = await got.again();
      expect(Array.from(again.dTok)).toEqual(Array.from(got.dTok));
      expect(Array.from(again.dPos)).toEqual(Array.from(got.dPos));
    }
    return got;
  });

  const want = embeddingRef(tokens, tok, pos, shape);
  const outBound = new Float64Array(want.length);
  for (let bt = 0; bt < batch * seq; bt++) {
    const id = tokens[bt];
    for (let d = 0; d < dim; d++) {
      outBound[bt * dim + d] =
        id < vocab ? embeddingOutBound(alpha, tok[id * dim + d], pos[(bt % seq) * dim + d]) : 1e-38;
    }
  }
  expectWithin(out, want, outBound, 'out');

  const ref = embeddingBackwardRef(tokens, dOut, shape);
  const { abs: absRef, counts } = embeddingGradScales(tokens, dOut, shape);
  const accum = (g: Float64Array, old: Float32Array, b: number) => g.map((v, i) => v + b * old[i]);
  const bound = (
    g: Float64Array,
    abs: Float64Array,
    old: Float32Array,
    b: number,
    count: (i: number) => number,
  ) => abs.map((a, i) => embeddingGradBound(count(i), a, b * old[i], g[i]));
  const wantTok = accum(ref.dTok, dTok0, beta);
  expectWithin(
    dTok,
    wantTok,
    bound(wantTok, absRef.dTok, dTok0, beta, (i) => counts[Math.floor(i / dim)]),
    'dTok',
  );
  const wantPos = accum(ref.dPos, dPos0, posBeta);
  expectWithin(
    dPos,
    wantPos,
    bound(wantPos, absRef.dPos, dPos0, posBeta, () => batch),
    'dPos',
  );
}

describe.each(EMBEDDING_BACKWARD_VARIANTS)(
  'embedding kernel (dTok %s) vs float64 reference',
  (variant) => {
    it('forward and backward over awkward shapes', async () => {
      let seed = 1;
      for (const [batch, seq, vocab, dim] of [
        [1, 1, 1, 1],
        [1, 7, 5, 33],
        [7, 33, 97, 7],
        [33, 7, 127, 33],
        [3, 127, 100, 127],
        [127, 1, 7, 65],
        [2, 5, 260, 1],
      ]) {
        await check({ batch, seq, vocab, dim, alpha: seed % 2 ? 10 : 0.37, seed: seed++, variant });
      }
    });

    it('a position table longer than the sequence, invalid ids, accumulation, repeatability', async () => {
      await check({
        batch: 9,
        seq: 17,
        vocab: 50,
        dim: 70,
        posRows: 32,
        alpha: 2,
        beta: 1,
        invalid: true,
        seed: 11,
        variant,
      });
      await check({
        batch: 4,
        seq: 33,
        vocab: 33,
        dim: 20,
        posRows: 40,
        seed: 12,
        repeat: true,
        variant,
      });
      // A tied readout: dTok accumulates onto the readout's part, dPos starts afresh.
      await check({ batch: 3, seq: 7, vocab: 13, dim: 33, beta: 1, posBeta: 0, seed: 13, variant });
    });
  },
);

describe('embedding kernel vs float64 reference', () => {
  it('splits flat dispatches over two grid dimensions past the per-dimension limit', async () => {
    // Same device with the limit lowered to 8: 7 * 33 * 40 elements need a (7, 6) grid.
    const real = gpu();
    const ctx = { ...real, limits: { ...real.limits, maxComputeWorkgroupsPerDimension: 8 } };
    await check({ batch: 7, seq: 33, vocab: 31, dim: 40, alpha: 3, seed: 13, ctx });
  });

  it('rejects bad shapes, dtypes and aliased outputs', async () => {
    const ctx = gpu();
    const ids = uploadTensor(ctx, new Uint32Array(6), [6], 'ids');
    const f = createTensor(ctx, [64], 'f32', 'f');
    const g = createTensor(ctx, [64], 'f32', 'g');
    const shape = { batch: 2, seq: 3, vocab: 4, dim: 2 };
    // The valid forward, with `change` applied.
    const fwd = (change: object) =>
      prepareEmbeddingForward(ctx, {
        ...shape,
        tokens: ids,
        tokEmb: f,
        posEmb: f,
        out: g,
        ...change,
      });
    await expect(fwd({ tokens: f })).rejects.toThrow(/tokens must be u32, got f32/);
    await expect(fwd({ dim: 20 })).rejects.toThrow(/tokEmb has 64 elements, needs at least 80/);
    await expect(fwd({ posRows: 2 })).rejects.toThrow(/posRows \(2\) < seq \(3\)/);
    await expect(
      prepareEmbeddingBackward(ctx, { ...shape, tokens: ids, dOut: f, dTok: g, dPos: f }),
    ).rejects.toThrow(/dPos and dOut share a GPU buffer/);
    [ids, f, g].forEach((t) => releaseTensor(ctx, t));
  });
});

describe('embedding float64 reference backward vs central finite differences', () => {
  it('dTok and dPos of sum(w * out), with repeated and invalid ids and spare position rows', () => {
    // out is linear in both tables: central differences are exact up to float64 rounding.
    const s: EmbeddingRefShape = { batch: 3, seq: 4, vocab: 5, dim: 3, posRows: 6, alpha: 1.7 };
    const rng = new Rng(21);
    const tokens = Uint32Array.from([0, 1, 1, 4, 2, 0, 7, 1, 3, 3, 3, 0]);
    const tok = Float64Array.from(rng.uniformArray(s.vocab * s.dim));
    const pos = Float64Array.from(rng.uniformArray(6 * s.dim));
    const w = Float64Array.from(rng.uniformArray(s.batch * s.seq * s.dim));
    const loss = () => dot(w, embeddingRef(tokens, tok, pos, s));
    const g = embeddingBackwardRef(tokens, w, s);
    expect(maxRelativeDifference(g.dTok, centralDifferences(loss, tok), 1)).toBeLessThan(1e-9);
    expect(maxRelativeDifference(g.dPos, centralDifferences(loss, pos), 1)).toBeLessThan(1e-9);
  });
});
