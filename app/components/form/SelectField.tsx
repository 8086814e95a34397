import type { ReactNode } from 'react';
import { Field } from './Field';

interface SelectFieldProps<T extends string> {
  label: ReactNode;
  field?: string;
  value: T;
  options: ReadonlyArray<{ value: T; label: string; disabled?: boolean }>;
  onChange(value: T): void;
  hint?: ReactNode;
}

export function SelectField<T extends string>({
  label,
  field,
  value,
  options,
  onChange,
  hint,
}: SelectFieldProps<T>) {
  return (
    <Field label={label} field={field} hint={hint}>
      {(control) => (
        <select
          {...control}
          value={value}
          onChange={(e) => {
            const picked = options.find((o) => o.value === e.target.value);
            if (picked) onChange(picked.value);
          }}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value} disabled={o.disabled}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
