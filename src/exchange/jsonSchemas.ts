/**
 * The export's and the plan's zod schemas as JSON Schema (zod 4's z.toJSONSchema), for
 * python/mup_lab to validate the same documents by the same rules (with Debian's
 * python3-jsonschema). Written at build and test time (scripts/python-schemas.ts) into
 * python/mup_lab/schemas/, never committed, and into the PyTorch trainer zip at download time,
 * beside the parametrization table (pythonSchemaDirFiles).
 *
 * What JSON Schema cannot say is left to Python's cross-field checks: zod refinements (a shape's
 * heads × headSize = width, the hyperparameters' rules) are dropped by toJSONSchema; the
 * hyperparameters, a z.custom in zod, become an object of their typed fields here.
 */
import * as z from 'zod';
import { OPTIMIZER_NAMES } from '../mup/optimizers';
import { PARAMETRIZATION_TABLE_FILE, parametrizationTableJson } from '../mup/parametrizations';
import { DEFAULT_HYPERPARAMS, OPTIONAL_HYPERPARAMS } from '../mup/rules';
import { transferExportSchema } from './exportSchema';
import { planSchema } from './planSchema';
import { hyperparamsSchema } from '../sweep/schemaParts';

/**
 * JSON Schema of the hyperparameters: every field of the defaults, typed as they are (the
 * optimizer: one of its names); the fields older files lack are optional.
 */
function hyperparamsJsonSchema(): Record<string, unknown> {
  const properties = Object.fromEntries(
    Object.entries(DEFAULT_HYPERPARAMS).map(([k, v]) => [
      k,
      k === 'optimizer'
        ? { type: 'string', enum: [...OPTIMIZER_NAMES] }
        : { type: typeof v === 'boolean' ? 'boolean' : 'number' },
    ]),
  );
  return {
    type: 'object',
    properties,
    required: Object.keys(DEFAULT_HYPERPARAMS).filter((k) => !OPTIONAL_HYPERPARAMS.has(k)),
    additionalProperties: false,
  };
}

function toJsonSchema(schema: z.ZodType, title: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    // A z.custom becomes {} (anything) under 'any': the override replaces the one we expect
    // and refuses any other, so that no field silently goes unchecked.
    unrepresentable: 'any',
    override: (ctx) => {
      // The z.custom under hyperparamsSchema's .check() is visited too (its parent).
      const isHp =
        ctx.zodSchema === hyperparamsSchema || ctx.zodSchema === hyperparamsSchema._zod.parent;
      if (isHp) {
        for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
        Object.assign(ctx.jsonSchema, hyperparamsJsonSchema());
      } else if (ctx.zodSchema._zod.def.type === 'custom') {
        throw new Error(
          `${title}: a z.custom schema has no JSON Schema form: ${ctx.path.join('.')}`,
        );
      }
    },
  });
  return { ...json, title };
}

/** File name -> JSON Schema document, as python/mup_lab/validate.py looks them up. */
export function pythonSchemaFiles(): Record<string, Record<string, unknown>> {
  return {
    'export.schema.json': toJsonSchema(transferExportSchema, 'mup-lab/transfer v1'),
    'plan.schema.json': toJsonSchema(planSchema, 'mup-lab/plan v1'),
  };
}

/**
 * Every file of python/mup_lab/schemas (name -> JSON): the JSON Schemas, and the parametrization
 * table python/mup_lab/rules.py reads its rules from (src/mup/parametrizations.ts).
 */
export function pythonSchemaDirFiles(): Record<string, Record<string, unknown>> {
  return { ...pythonSchemaFiles(), [PARAMETRIZATION_TABLE_FILE]: parametrizationTableJson() };
}
