import type { ReactNode } from 'react';
import type { DataConfig } from '../../../src/sweep/config';
import * as fmt from '../../lib/format';
import { useLab } from '../../store';
import { bindFields } from '../form/bind';
import { useFieldErrors } from '../form/errors';
import { NumberField } from '../form/NumberField';
import { TextDrop } from './TextDrop';

/**
 * The training data: the synthetic corpus, Tiny Shakespeare (1.1 MB, fetched by the worker when
 * chosen) or the user's text, and what the worker made of it.
 */
export function DataFields() {
  const data = useLab((s) => s.config.data);
  const pickBuiltIn = useLab((s) => s.useBuiltInCorpus);
  const textFile = useLab((s) => s.textFile);
  return (
    <fieldset className="group">
      <legend>Data</legend>
      <div className="radios" role="radiogroup" aria-label="Training data">
        <KindRadio checked={data.kind === 'synthetic'} onPick={() => pickBuiltIn('synthetic')}>
          Synthetic corpus
        </KindRadio>
        <KindRadio checked={data.kind === 'shakespeare'} onPick={() => pickBuiltIn('shakespeare')}>
          Tiny Shakespeare
        </KindRadio>
        <KindRadio
          checked={data.kind === 'text'}
          disabled={!textFile && data.kind !== 'text'}
          onPick={() => undefined}
        >
          Your text
        </KindRadio>
      </div>
      {data.kind === 'synthetic' && <SyntheticFields data={data} />}
      <TextDrop />
      <DataStatusLine />
    </fieldset>
  );
}

/** One choice of the data's kind. */
function KindRadio({
  checked,
  disabled,
  onPick,
  children,
}: {
  checked: boolean;
  disabled?: boolean;
  onPick(): void;
  children: ReactNode;
}) {
  return (
    <label>
      <input
        type="radio"
        name="data-kind"
        checked={checked}
        disabled={disabled}
        onChange={onPick}
      />{' '}
      {children}
    </label>
  );
}

type SyntheticData = Extract<DataConfig, { kind: 'synthetic' }>;

/** The synthetic corpus's size and seed. */
function SyntheticFields({ data }: { data: SyntheticData }) {
  const editConfig = useLab((s) => s.editConfig);
  const bind = bindFields('data', data, (patch: Partial<SyntheticData>) =>
    editConfig((c) => (c.data.kind === 'synthetic' ? { ...c, data: { ...c.data, ...patch } } : c)),
  );
  return (
    <div className="row">
      <NumberField label="Size (characters)" {...bind('size')} min={1000} step={1000} />
      <NumberField label="Corpus seed" {...bind('seed')} min={0} />
    </div>
  );
}

function DataStatusLine() {
  const status = useLab((s) => s.data);
  const errors = useFieldErrors('data');
  const textErrors = useFieldErrors('data.text');
  const all = [...errors, ...textErrors];
  if (all.length) {
    return (
      <p className="field-error" role="alert" data-testid="data-error">
        {all.join(' · ')}
      </p>
    );
  }
  return (
    <p className="hint" role="status" data-testid="data-status">
      {status.state === 'ready'
        ? `Vocabulary ${status.vocab} characters · ${fmt.count(status.tokens)} tokens · ${status.description}`
        : status.state === 'pending'
          ? 'Preparing the data…'
          : ''}
    </p>
  );
}
