/**
 * zod pieces shared by the schemas of the exchanged types (sweep config, run record, export):
 * number and list helpers with one-line messages, the enums, the hyperparameters, and the
 * bounds an import may not exceed.
 */
import * as z from 'zod';
import { validateHyperparams } from '../mup/optimizers';
import { DEFAULT_HYPERPARAMS, type MupHyperparams } from '../mup/rules';

/** Limits on what an import may contain (far above any real sweep). */
export const IMPORT_LIMITS = {
  /** Characters of the whole file. */
  chars: 64 * 2 ** 20,
  runs: 100_000,
  /** Loss values per run (the config allows at most 100,000 steps). */
  lossesPerRun: 100_000,
  /** Tensors of the target model (depth ≤ 64 blocks of ≤ 12 tensors, plus a few). */
  tensors: 2000,
  /** Target shapes: transfer() computes values far beyond what the lab trains. */
  width: 1 << 20,
  depth: 4096,
  vocab: 1 << 24,
  context: 1 << 20,
  /** Entries of lists such as widths, seeds, the hp grid, notes. */
  list: 10_000,
  /** Characters of one string. */
  string: 10_000,
  /** Nesting depth of the JSON. */
  nesting: 64,
} as const;

const L = IMPORT_LIMITS;

/** An integer in [min, max]; any failure (type, fraction, range) reports `message`. */
export const intIn = (min: number, max: number, message: string) =>
  z.int({ error: message }).min(min, { error: message }).max(max, { error: message });

/** A finite number in [min, max] (or (min, max] with `exclusiveMin`), one message for all. */
export const numberIn = (min: number, max: number, message: string, exclusiveMin = false) => {
  const n = z.number({ error: message });
  return (exclusiveMin ? n.gt(min, { error: message }) : n.min(min, { error: message })).max(max, {
    error: message,
  });
};

export const num = z.number();
export const nonNeg = z.number().min(0);
export const positive = z.number().gt(0);
export const posInt = (max: number) => z.int().min(1).max(max);
export const nonNegInt = z.int().min(0);
export const str = z.string().max(L.string);
export const list = <T extends z.ZodType>(item: T, max: number = L.list) => z.array(item).max(max);

/** The one enum of parametrization names (src/mup/parametrizations.ts), as the schemas use it. */
export { parametrizationSchema } from '../mup/parametrizations';

/** The hyperparameters a sweep can scan (Tensor Programs V, Fig. 4). */
export const sweptHpSchema = z.enum(['lr', 'initStd', 'alphaOut', 'alphaAttn', 'alphaIn'], {
  error: 'Swept hyperparameter must be lr, initStd, alphaOut, alphaAttn or alphaIn',
});
export type SweptHp = z.infer<typeof sweptHpSchema>;

const HP_FIELDS = new Set(Object.keys(DEFAULT_HYPERPARAMS));
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The base hyperparameters: src/mup/optimizers.ts's validateHyperparams states the rules (one
 * message per field); this adds only the JSON types of the fields (those of the defaults)
 * and "no unknown fields".
 */
export const hyperparamsSchema = z
  .custom<MupHyperparams>(isPlainObject, { error: 'Hyperparameters must be an object' })
  .check((ctx) => {
    if (!isPlainObject(ctx.value)) return;
    const unknown = Object.keys(ctx.value).filter((k) => !HP_FIELDS.has(k));
    if (unknown.length > 0) {
      ctx.issues.push({
        code: 'unrecognized_keys',
        keys: unknown,
        input: ctx.value,
        message: `unknown field(s) ${unknown.join(', ')}`,
      });
    }
    const hp: Record<string, unknown> = ctx.value;
    const wrongType = new Set<string>();
    for (const [field, base] of Object.entries(DEFAULT_HYPERPARAMS)) {
      const v = hp[field];
      if (v !== undefined && typeof v !== typeof base) {
        wrongType.add(field);
        const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
        const message = `expected ${typeof base}, received ${got}`;
        ctx.issues.push({ code: 'custom', path: [field], message, input: v });
      }
    }
    for (const e of validateHyperparams(ctx.value)) {
      if (wrongType.has(e.field)) continue;
      ctx.issues.push({ code: 'custom', path: [e.field], message: e.message, input: ctx.value });
    }
  });
