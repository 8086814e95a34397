/**
 * The transfer rules of src/mup/rules.ts in words, per tensor role, as exports carry them for
 * a reader (rules.test.ts pins the functions themselves); and the schema of that text.
 */
import * as z from 'zod';
import { PARAMETRIZATION_TABLE, type Parametrization } from '../mup/parametrizations';
import { DEPTH_SCALINGS, depthScalingOf, type MupHyperparams } from '../mup/rules';
import { list, parametrizationSchema, str } from '../sweep/schemaParts';

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

/** x·m^e in words: 'η', 'η/m', 'λ·m', 'σ²/√m', 'η·m^(1.5)'. */
function timesM(x: string, e: number, m = 'm'): string {
  if (e === 0) return x;
  const power = (k: number) => (k === 1 ? m : k === 0.5 ? `√${m}` : `${m}^(${k})`);
  return e < 0 ? `${x}/${power(-e)}` : `${x}·${power(e)}`;
}

/** The attention logits' scale α_attn/√d_base · (d_head/d_base)^e in words. */
function attentionWords(e: number): string {
  if (e === -0.5) return 'α_attn/√d_head';
  if (e === -1) return 'α_attn·√d_base/d_head';
  return `α_attn/√d_base · (d_head/d_base)^(${e})`;
}

/**
 * The transfer rules of src/mup/rules.ts in words, per tensor role, for one parametrization
 * (m = fan_in / base_fan_in, L = depth / base_depth), read off its row of the parametrization
 * table. rules.test.ts pins the functions; this text states them for a reader of the export.
 */
export function describeRules(p: Parametrization, hp: MupHyperparams): TransferRulesText {
  const row = PARAMETRIZATION_TABLE[p];
  const depth = row.depth !== null && hp.depthAlpha !== 0;
  const a = hp.depthAlpha;
  const blockLr = depth ? ` × L^(${a - 1})` : '';
  const hiddenLr = row.adamLr.hidden;
  const readoutInit = row.initStd.readout;
  const perRole: TransferRuleText[] = [
    {
      role: 'embedding',
      tensors: 'tok_emb (also the readout when tied)',
      init: `N(0, ${timesM('σ²', 2 * row.initStd.embedding)}), σ = ${fmt(hp.initStd)}`,
      lr: timesM('η', row.adamLr.embedding),
      eps: timesM('ε', row.adamEps.embedding),
      weightDecay: `${timesM('λ', -row.adamLr.embedding)} (lr·wd = η·λ)`,
      forward: `(tok_emb + pos_emb) × α_in, α_in = ${fmt(hp.alphaIn)}`,
    },
    {
      role: 'position',
      tensors: 'pos_emb',
      init: `N(0, ${timesM('σ²', 2 * row.initStd.position)})`,
      lr: timesM('η', row.adamLr.position),
      eps: timesM('ε', row.adamEps.position),
      weightDecay: `${timesM('λ', -row.adamLr.position)} (lr·wd = η·λ)`,
      forward: '× α_in (with tok_emb)',
    },
    {
      role: 'hidden',
      tensors: 'blocks.*.attn.qkv, blocks.*.attn.out, blocks.*.mlp.in, blocks.*.mlp.out',
      init:
        `N(0, ${timesM('σ²', 2 * row.initStd.hidden)})` +
        (hp.zeroQuery ? '; query columns of qkv: 0' : ''),
      lr: timesM('η', hiddenLr) + blockLr,
      eps: timesM('ε', row.adamEps.hidden) + (depth ? ` × L^(-${a})` : ''),
      weightDecay:
        hiddenLr !== 0 || depth
          ? `${timesM('λ', -hiddenLr)}${depth ? ` × L^(${1 - a})` : ''} (lr·wd = η·λ)`
          : 'λ',
      forward: depth ? `residual branch × L^(-${a})` : '-',
    },
    {
      role: 'vector',
      tensors: 'layernorm gains and biases, linear biases',
      init: 'gain 1, bias 0',
      lr: timesM('η', row.adamLr.vector) + blockLr + (depth ? ' (inside blocks)' : ''),
      eps: timesM('ε', row.adamEps.vector) + (depth ? ` × L^(-${a}) (inside blocks)` : ''),
      weightDecay: '0 (not decayed)',
      forward: '-',
    },
    {
      role: 'readout',
      tensors: 'readout (unembedding; tok_embᵀ when tied)',
      init: hp.zeroReadout ? '0 (zeroReadout)' : `N(0, ${timesM('σ²', 2 * readoutInit)})`,
      lr: timesM('η', row.adamLr.readout),
      eps: timesM('ε', row.adamEps.readout),
      weightDecay: `${timesM('λ', -row.adamLr.readout)} (lr·wd = η·λ)`,
      forward:
        `logits × ${timesM('α_out', row.readoutMult)}, α_out = ${fmt(hp.alphaOut)}` +
        // α_out/m is microsoft/mup's MuReadout.
        (row.readoutMult === -1 ? ' (mup MuReadout output_mult)' : ''),
    },
    {
      role: 'attention',
      tensors: 'attention logits',
      init: '-',
      lr: '-',
      eps: '-',
      weightDecay: '-',
      forward:
        `softmax(${attentionWords(row.attentionHeadSize)} · q·k), α_attn = ${fmt(hp.alphaAttn)}` +
        (row.attentionHeadSize !== -0.5 ? ' (equal to SP at the base head size)' : ''),
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
      : row.depth !== null
        ? 'depth scaling off (depthAlpha = 0)'
        : `${row.label}: no depth scaling`,
    source: 'µP Lab src/mup/rules.ts; microsoft/mup; Tensor Programs V (Table 8, Appendix B)',
    perRole,
    constant: 'β1, β2 and the gradient clip are the same for every tensor, width and depth',
  };
}
