import { useId, type ReactNode } from 'react';
import { useFieldErrors } from './errors';

export interface ControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

interface FieldProps {
  label: ReactNode;
  /** Dotted path of the config field whose errors show here. */
  field?: string;
  hint?: ReactNode;
  /** Extra messages (e.g. from the data check) shown like the validator's. */
  extraErrors?: string[];
  className?: string;
  children: (control: ControlProps) => ReactNode;
}

/** A label, its control, a hint, and the field's errors announced next to it. */
export function Field({ label, field, hint, extraErrors, className, children }: FieldProps) {
  const id = useId();
  const errors = [...useFieldErrors(field), ...(extraErrors ?? [])];
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${errors.length ? ' invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': errors.length > 0, 'aria-describedby': describedBy })}
      {hint && (
        <small id={hintId} className="hint">
          {hint}
        </small>
      )}
      {errorId && (
        <p id={errorId} className="field-error" role="alert">
          {errors.join(' · ')}
        </p>
      )}
    </div>
  );
}
