/**
 * A saved state that cannot be restored is set aside, never deleted: it is moved under a key
 * of its own and the page opens with the default settings and a message saying where the old
 * value is kept.
 */
import { del, set } from 'idb-keyval';
import { sweepConfigSchema, type SweepConfig } from '../src/sweep/config';

export const SET_ASIDE_PREFIX = 'mup-lab/set-aside/';

/** Why a sweep's saved config cannot back its results, or undefined when it can. */
export function sweepConfigProblem(config: SweepConfig | null): string | undefined {
  if (config === null) return undefined;
  // An imported sweep of a user's text keeps no text (exports do not carry it).
  const checked =
    config.data?.kind === 'text' && config.data.text === ''
      ? { ...config, data: { ...config.data, text: ' ' } }
      : config;
  const parsed = sweepConfigSchema.safeParse(checked);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `${issue.path.join('.') || 'config'}: ${issue.message}`;
}

/**
 * Moves `raw` from `from` to a new set-aside key (written first, then the old key removed, so
 * the next reload starts clean); returns the new key, undefined if it could not be written.
 */
export async function setAside(
  from: string,
  raw: unknown,
  now = Date.now(),
): Promise<string | undefined> {
  const key = `${SET_ASIDE_PREFIX}${new Date(now).toISOString()}`;
  try {
    await set(key, raw);
  } catch {
    return undefined;
  }
  await del(from).catch(() => undefined);
  return key;
}

/** The message for the user after a saved state was set aside. */
export function setAsideMessage(reason: string, key: string | undefined): string {
  return (
    `Your saved work could not be restored (${reason}), so the lab opened with the default settings. ` +
    (key
      ? `Nothing was deleted: the saved value is kept in this browser's storage under "${key}".`
      : 'It could not be copied aside either; it stays until the next save.')
  );
}
