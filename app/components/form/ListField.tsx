import { useState, type ReactNode } from 'react';
import { Field } from './Field';

interface ListFieldProps {
  label: ReactNode;
  field: string;
  value: number[];
  onChange(value: number[]): void;
  hint?: ReactNode;
  placeholder?: string;
}

/** "16, 32, 64" -> [16, 32, 64]; a word that is not a number becomes NaN for the validator. */
export function parseList(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter((t) => t !== '')
    .map((t) => Number(t));
}

/** A comma-separated list of numbers (widths, depths, seeds). */
export function ListField({ label, field, value, onChange, hint, placeholder }: ListFieldProps) {
  const [draft, setDraft] = useState(() => value.join(', '));
  return (
    <Field label={label} field={field} hint={hint}>
      {(control) => (
        <input
          {...control}
          type="text"
          inputMode="numeric"
          spellCheck={false}
          placeholder={placeholder}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            onChange(parseList(e.target.value));
          }}
        />
      )}
    </Field>
  );
}
