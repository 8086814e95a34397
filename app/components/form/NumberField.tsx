import { useState, type ReactNode } from 'react';
import { Field } from './Field';

interface NumberFieldProps {
  label: ReactNode;
  field: string;
  value: number;
  onChange(value: number): void;
  step?: number | 'any';
  min?: number;
  max?: number;
  hint?: ReactNode;
}

/**
 * A number input that keeps what the user typed (also while it is not a number yet) and hands
 * the parsed value, NaN when it does not parse, to the validator. It starts from `value`: the
 * form is remounted when a preset or a restore replaces the config.
 */
export function NumberField({
  label,
  field,
  value,
  onChange,
  step,
  min,
  max,
  hint,
}: NumberFieldProps) {
  const [draft, setDraft] = useState(() => (Number.isFinite(value) ? String(value) : ''));
  return (
    <Field label={label} field={field} hint={hint}>
      {(control) => (
        <input
          {...control}
          type="number"
          inputMode="decimal"
          step={step ?? 1}
          min={min}
          max={max}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            onChange(e.target.value.trim() === '' ? NaN : Number(e.target.value));
          }}
        />
      )}
    </Field>
  );
}
