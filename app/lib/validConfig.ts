/**
 * Whether a config passes the schema, remembered per config object: the form's config is
 * replaced on every edit, so each one is validated once however many components ask. Every
 * derived computation (grid, plan, estimate, chart, transfer table) asks first: a config the
 * schema refuses (an LR step of 0, a width of 1e12) never reaches them.
 */
import { sweepConfigSchema, type SweepConfig } from '../../src/sweep/config';

const checked = new WeakMap<object, boolean>();

export function isValidConfig(c: SweepConfig): boolean {
  let ok = checked.get(c);
  if (ok === undefined) {
    ok = sweepConfigSchema.safeParse(c).success;
    checked.set(c, ok);
  }
  return ok;
}

/** The config when it is valid, else null (a selector: the same object or null). */
export function validOrNull(c: SweepConfig): SweepConfig | null {
  return isValidConfig(c) ? c : null;
}
