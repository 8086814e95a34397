/** What a form field needs to edit one value of the config: its path, the value and a setter. */
export interface BoundField<V> {
  /** Dotted path of the config field (its errors show under the input). */
  field: string;
  value: V;
  onChange(value: V): void;
}

/**
 * The fields of one part of the config, bound by key: `bind('steps')` on the section `train` is
 * `{ field: 'train.steps', value: values.steps, onChange }`, so a field names its key once.
 * `path` '' binds the config's top-level values.
 */
export function bindFields<S extends object>(
  path: string,
  values: S,
  set: (patch: Partial<S>) => void,
): <K extends keyof S & string>(key: K) => BoundField<S[K]> {
  return (key) => ({
    field: path ? `${path}.${key}` : key,
    value: values[key],
    onChange: (value) => {
      const patch: Partial<S> = {};
      patch[key] = value;
      set(patch);
    },
  });
}
