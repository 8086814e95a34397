import { describe, expect, it } from 'vitest';
import { buildPlan } from './plan';
import { preset } from '../sweep/config';
import { prepareData } from '../sweep/data';
import { pythonSchemaFiles } from '../exchange/jsonSchemas';
import { planSchema } from '../exchange/planSchema';

describe('the plan schema and the JSON Schemas python/mup_lab validates with', () => {
  const tiny = preset('tiny');
  const plan = buildPlan(tiny, prepareData(tiny.data, tiny.model.context));

  it('accepts what `mup-lab plan` writes, and refuses a plan that would not train', () => {
    expect(planSchema.safeParse(JSON.parse(JSON.stringify(plan))).success).toBe(true);
    const broken = structuredClone(plan) as unknown as { train: Record<string, unknown> };
    broken.train.steps = '3';
    expect(planSchema.safeParse(broken).success).toBe(false);
    broken.train.steps = 0;
    expect(planSchema.safeParse(broken).success).toBe(false);
  });

  it('turns the export and the plan schemas into JSON Schema, the hyperparameters typed', () => {
    const files = pythonSchemaFiles();
    expect(Object.keys(files).sort()).toEqual(['export.schema.json', 'plan.schema.json']);
    const planJson = files['plan.schema.json'] as {
      properties: Record<string, { properties?: Record<string, unknown>; items?: unknown }>;
      additionalProperties: boolean;
    };
    expect(planJson.additionalProperties).toBe(false);
    expect(planJson.properties.train.properties?.steps).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 100_000,
    });
    const run = planJson.properties.runs.items as {
      properties: Record<string, { properties: Record<string, unknown>; required: string[] }>;
    };
    expect(run.properties.hyperparameters.properties.lr).toEqual({ type: 'number' });
    expect(run.properties.hyperparameters.required).toContain('zeroReadout');
    const exportJson = files['export.schema.json'] as { properties: Record<string, unknown> };
    expect(Object.keys(exportJson.properties)).toContain('hyperparameters');
  });
});
