/**
 * The transfer rules of src/mup/rules.ts in words, per tensor role, as exports carry them for
 * a reader (rules.test.ts pins the functions themselves); and the schema of that text.
 */
import * as z from 'zod';
import {
  DEPTH_SCALINGS,
  depthScalingOf,
  type MupHyperparams,
  type Parametrization,
} from '../mup/rules';
import { list, parametrizationSchema, str } from './schemaParts';

export const ruleTextSchema = z.strictObject({
  role: z.enum(['embedding', 'position', 'hidden', 'vector', 'readout', 'attention', 'depth']),
  tensors: str,
  init: str,
  lr: str,
  eps: str,
  weightDecay: str,
  forward: str,
});

export const rulesTextSchema = z.strictObject({
  parametrization: parametrizationSchema,
  widthMultiplier: str,
  depthMultiplier: str,
  source: str,
  perRole: list(ruleTextSchema, 20),
  constant: str,
});

export type TransferRuleText = z.infer<typeof ruleTextSchema>;
export type TransferRulesText = z.infer<typeof rulesTextSchema>;

const fmt = (x: number) => String(Number(x.toPrecision(6)));

/**
 * The transfer rules of src/mup/rules.ts in words, per tensor role, for one parametrization
 * (m = fan_in / base_fan_in, L = depth / base_depth). rules.test.ts pins the functions; this
 * text states them for a reader of the export.
 */
export function describeRules(p: Parametrization, hp: MupHyperparams): TransferRulesText {
  const mup = p === 'mup';
  const depth = mup && hp.depthAlpha !== 0;
  const a = hp.depthAlpha;
  const blockLr = depth ? ` × L^(${a - 1})` : '';
  const perRole: TransferRuleText[] = [
    {
      role: 'embedding',
      tensors: 'tok_emb (also the readout when tied)',
      init: `N(0, σ²), σ = ${fmt(hp.initStd)}`,
      lr: 'η',
      eps: 'ε',
      weightDecay: 'λ (lr·wd = η·λ)',
      forward: `(tok_emb + pos_emb) × α_in, α_in = ${fmt(hp.alphaIn)}`,
    },
    {
      role: 'position',
      tensors: 'pos_emb',
      init: 'N(0, σ²)',
      lr: 'η',
      eps: 'ε',
      weightDecay: 'λ (lr·wd = η·λ)',
      forward: '× α_in (with tok_emb)',
    },
    {
      role: 'hidden',
      tensors: 'blocks.*.attn.qkv, blocks.*.attn.out, blocks.*.mlp.in, blocks.*.mlp.out',
      init: 'N(0, σ²/m)' + (hp.zeroQuery ? '; query columns of qkv: 0' : ''),
      lr: (mup ? 'η/m' : 'η') + blockLr,
      eps: (mup ? 'ε/m' : 'ε') + (depth ? ` × L^(-${a})` : ''),
      weightDecay: mup ? `λ·m${depth ? ` × L^(${1 - a})` : ''} (lr·wd = η·λ)` : 'λ',
      forward: depth ? `residual branch × L^(-${a})` : '-',
    },
    {
      role: 'vector',
      tensors: 'layernorm gains and biases, linear biases',
      init: 'gain 1, bias 0',
      lr: 'η' + blockLr + (depth ? ' (inside blocks)' : ''),
      eps: 'ε' + (depth ? ` × L^(-${a}) (inside blocks)` : ''),
      weightDecay: '0 (not decayed)',
      forward: '-',
    },
    {
      role: 'readout',
      tensors: 'readout (unembedding; tok_embᵀ when tied)',
      init: hp.zeroReadout ? '0 (zeroReadout)' : mup ? 'N(0, σ²)' : 'N(0, σ²/m)',
      lr: 'η',
      eps: 'ε',
      weightDecay: 'λ (lr·wd = η·λ)',
      forward: mup
        ? `logits × α_out/m, α_out = ${fmt(hp.alphaOut)} (mup MuReadout output_mult)`
        : `logits × α_out, α_out = ${fmt(hp.alphaOut)}`,
    },
    {
      role: 'attention',
      tensors: 'attention logits',
      init: '-',
      lr: '-',
      eps: '-',
      weightDecay: '-',
      forward: mup
        ? `softmax(α_attn·√d_base/d_head · q·k), α_attn = ${fmt(hp.alphaAttn)} (equal to SP at the base head size)`
        : `softmax(α_attn/√d_head · q·k), α_attn = ${fmt(hp.alphaAttn)}`,
    },
  ];
  if (depth) {
    perRole.push({
      role: 'depth',
      tensors: 'every residual branch and every tensor inside a block',
      init: '-',
      lr: `× L^(${a - 1})`,
      eps: `× L^(-${a})`,
      weightDecay: `× L^(${1 - a}) (lr·wd = η·λ)`,
      forward: `residual branch × L^(-${a}) (${DEPTH_SCALINGS[depthScalingOf(a)].label})`,
    });
  }
  return {
    parametrization: p,
    widthMultiplier: 'm = fan_in / base_fan_in of each tensor (1 for embeddings)',
    depthMultiplier: depth
      ? `L = depth / base_depth, α = ${a}: ${DEPTH_SCALINGS[depthScalingOf(a)].label}, ${DEPTH_SCALINGS[depthScalingOf(a)].source}`
      : mup
        ? 'depth scaling off (depthAlpha = 0)'
        : 'SP: no depth scaling',
    source: 'µP Lab src/mup/rules.ts; microsoft/mup; Tensor Programs V (Table 8, Appendix B)',
    perRole,
    constant: 'β1, β2 and the gradient clip are the same for every tensor, width and depth',
  };
}
