/**
 * What a peer framework's GPT (bench/tfjs-gpt.ts, bench/jaxjs-gpt.ts) is built from: the model's
 * dimensions and µP multipliers, the optimizer's settings, and each parameter tensor's initial
 * value and AdamW values, all taken from the same `transfer` and `initParams` our engine trains
 * with, so that every contender starts from the same weights.
 */
import { mlpWidth, type GptShape } from '../src/mup/shapes';
import type { TransferResult } from '../src/mup/transfer';
import { initParams } from '../src/train/init';

export interface PeerGptConfig {
  width: number;
  depth: number;
  heads: number;
  context: number;
  vocab: number;
  mlpHidden: number;
  /** Sequences per step. */
  batch: number;
  inputMult: number;
  attnScale: number;
  residualMult: number;
  readoutMult: number;
  lnEps: number;
  beta1: number;
  beta2: number;
  /** Global gradient-norm clip (torch's clip_grad_norm_); 0 turns it off. */
  clip: number;
}

/** One parameter tensor: its initial value and its Adam settings (µP's per-tensor values). */
export interface PeerGptTensor {
  name: string;
  shape: number[];
  init: Float32Array;
  lr: number;
  eps: number;
}

export interface PeerGptSpec {
  config: PeerGptConfig;
  tensors: PeerGptTensor[];
}

export function peerGptSpec(
  shape: GptShape,
  t: TransferResult,
  o: { batch: number; lnEps: number; seed: number },
): PeerGptSpec {
  const init = initParams(t.tensors, o.seed);
  const m = t.multipliers;
  return {
    config: {
      width: shape.width,
      depth: shape.depth,
      heads: shape.heads!,
      context: shape.context,
      vocab: shape.vocab,
      mlpHidden: mlpWidth(shape),
      batch: o.batch,
      inputMult: m.inputMult,
      attnScale: m.attnScale,
      residualMult: m.residualMult,
      readoutMult: m.readoutMult,
      lnEps: o.lnEps,
      beta1: t.hp.beta1,
      beta2: t.hp.beta2,
      clip: t.hp.clip,
    },
    tensors: t.tensors.map((x) => ({
      name: x.name,
      shape: x.shape,
      init: init[x.name],
      lr: x.lr,
      eps: x.eps,
    })),
  };
}
