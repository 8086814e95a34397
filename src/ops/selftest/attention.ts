/**
 * attention self-test: forward and backward, B 2, H 2, T 70 (past one 64-row block), D 7, µP
 * logit scale 1 / D, N(0, 1) inputs. Bound: ATTENTION_TOL (src/ops/errorBounds.ts), 1e-5 of each output's
 * scale (its largest magnitude; at least 1 for the log-sum-exp, a logit-sized quantity), from a
 * logit error of about u sqrt(D) |q||k| scale turned by the softmax into the same relative error,
 * plus u sqrt(T) from the row sums: ~1e-6 measured at far larger T and D, so a 10x margin.
 */
import { attentionBackwardRef, attentionForwardRef } from '../../reference/attention';
import { Rng } from '../../util/random';
import {
  ATTENTION_VARIANT_REGISTRY,
  prepareAttentionBackward,
  prepareAttentionForward,
} from '../attention';
import { ATTENTION_TOL } from '../errorBounds';
import { asVariant } from '../variants';
import { maxAbs, worstRatio, scopedSelfTest } from './common';

const TOL = ATTENTION_TOL;

export const attentionSelfTest = scopedSelfTest('attention', async (scope, worst, variantName) => {
  const { ctx } = scope;
  const variant = asVariant(ATTENTION_VARIANT_REGISTRY, variantName);
  const s = { batch: 2, heads: 2, headSize: 7, context: 70, scale: 1 / 7, variant };
  const { batch: B, heads: H, headSize: D, context: T } = s;
  const rng = new Rng(11);
  const qkv = rng.normalArray(B * T * 3 * H * D);
  const dout = rng.normalArray(B * T * H * D);
  const tq = scope.upload(qkv, 'qkv');
  const to = scope.output(B * T * H * D, 'out');
  const tl = scope.output(B * H * T, 'lse');
  const td = scope.output(B * T * 3 * H * D, 'dqkv');
  const fwd = await scope.op(prepareAttentionForward(ctx, { ...s, qkv: tq, out: to, lse: tl }));
  const bwd = await scope.op(
    prepareAttentionBackward(ctx, {
      ...s,
      qkv: tq,
      out: to,
      lse: tl,
      dout: scope.upload(dout, 'dout'),
      dqkv: td,
    }),
  );
  await scope.run([fwd, bwd], 'selftest attention');
  const out = await scope.read(to);
  const lse = await scope.read(tl);
  const dqkv = await scope.read(td);

  const ref = attentionForwardRef(qkv, s);
  const outScale = maxAbs(ref.out);
  worst.add(
    'out',
    worstRatio(out, ref.out, () => TOL * outScale),
  );
  const lseScale = Math.max(1, maxAbs(ref.lse));
  worst.add(
    'lse',
    worstRatio(lse, ref.lse, () => TOL * lseScale),
  );

  // dqkv [B, T, 3, H, D]: slot k (dQ, dK, dV) of element i is floor(i / (H D)) mod 3, and
  // each slot is measured against its own scale.
  const dref = attentionBackwardRef(qkv, dout, s);
  const hd = H * D;
  const slotOf = (i: number) => Math.floor(i / hd) % 3;
  const slotScale = [0, 0, 0];
  dref.forEach((g, i) => {
    const k = slotOf(i);
    slotScale[k] = Math.max(slotScale[k], Math.abs(g));
  });
  const floor = maxAbs(dref);
  ['dQ', 'dK', 'dV'].forEach((name, k) => {
    const scale = slotScale[k] || floor;
    const bound = (i: number) => (slotOf(i) === k ? TOL * scale : Infinity);
    worst.add(name, worstRatio(dqkv, dref, bound));
  });
  return `B${B} H${H} T${T} D${D}, µP scale 1/D, forward and backward`;
});
