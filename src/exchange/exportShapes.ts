/**
 * How exports write a GPT shape: both the head count and the head size spelled out, with which
 * one stays fixed as the width grows; its schema and the conversions from and to GptShape.
 */
import * as z from 'zod';
import { headSizeOf, headsOf, mlpRatioOf, validateGptShape, type GptShape } from '../mup/shapes';
import { IMPORT_LIMITS as L, posInt, positive } from '../sweep/schemaParts';

/** Target shapes may lie far beyond what the lab trains: only the structure is checked. */
export const exportShapeSchema = z
  .strictObject({
    width: posInt(L.width),
    depth: posInt(L.depth),
    heads: posInt(L.width),
    headSize: posInt(L.width),
    /** 'heads': the head count is fixed (head size grows); 'headSize': the head size is. */
    fixed: z.enum(['heads', 'headSize']),
    mlpRatio: positive.max(64),
    vocab: posInt(L.vocab),
    context: posInt(L.context),
    tiedReadout: z.boolean(),
    biases: z.boolean(),
  })
  .superRefine((s, ctx) => {
    if (s.heads * s.headSize !== s.width) {
      ctx.addIssue({
        code: 'custom',
        path: ['heads'],
        message: `heads × headSize (${s.heads} × ${s.headSize}) must equal the width ${s.width}`,
      });
      return;
    }
    for (const e of validateGptShape(exportShapeToGpt(s), { trainable: false })) {
      ctx.addIssue({ code: 'custom', path: [e.field], message: e.message });
    }
  });

export type ExportShape = z.infer<typeof exportShapeSchema>;

export function toExportShape(s: GptShape): ExportShape {
  return {
    width: s.width,
    depth: s.depth,
    heads: headsOf(s),
    headSize: headSizeOf(s),
    fixed: s.heads !== undefined ? 'heads' : 'headSize',
    mlpRatio: mlpRatioOf(s),
    vocab: s.vocab,
    context: s.context,
    tiedReadout: s.tiedReadout,
    biases: s.biases,
  };
}

export function exportShapeToGpt(s: ExportShape): GptShape {
  const common = {
    width: s.width,
    depth: s.depth,
    context: s.context,
    vocab: s.vocab,
    mlpRatio: s.mlpRatio,
    tiedReadout: s.tiedReadout,
    biases: s.biases,
  };
  return s.fixed === 'heads' ? { ...common, heads: s.heads } : { ...common, headSize: s.headSize };
}

/** The base and target shapes of an imported document, in the lab's own type. */
export function importedShapes(doc: { base: ExportShape; target: { shape: ExportShape } }): {
  base: GptShape;
  target: GptShape;
} {
  return { base: exportShapeToGpt(doc.base), target: exportShapeToGpt(doc.target.shape) };
}
