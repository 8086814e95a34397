import type { DataConfig } from '../../../src/sweep/config';
import * as fmt from '../../lib/format';
import { useLab } from '../../store';
import { useFieldErrors } from '../form/errors';
import { NumberField } from '../form/NumberField';
import { TextDrop } from './TextDrop';

/**
 * The training data: the synthetic corpus, Tiny Shakespeare (1.1 MB, fetched by the worker when
 * chosen) or the user's text, and what the worker made of it.
 */
export function DataFields() {
  const data = useLab((s) => s.config.data);
  const editConfig = useLab((s) => s.editConfig);
  const pickBuiltIn = useLab((s) => s.useBuiltInCorpus);
  const textFile = useLab((s) => s.textFile);
  const setSynthetic = (patch: Partial<Extract<DataConfig, { kind: 'synthetic' }>>) =>
    editConfig((c) => (c.data.kind === 'synthetic' ? { ...c, data: { ...c.data, ...patch } } : c));
  return (
    <fieldset className="group">
      <legend>Data</legend>
      <div className="radios" role="radiogroup" aria-label="Training data">
        <label>
          <input
            type="radio"
            name="data-kind"
            checked={data.kind === 'synthetic'}
            onChange={() => pickBuiltIn('synthetic')}
          />{' '}
          Synthetic corpus
        </label>
        <label>
          <input
            type="radio"
            name="data-kind"
            checked={data.kind === 'shakespeare'}
            onChange={() => pickBuiltIn('shakespeare')}
          />{' '}
          Tiny Shakespeare
        </label>
        <label>
          <input
            type="radio"
            name="data-kind"
            checked={data.kind === 'text'}
            disabled={!textFile && data.kind !== 'text'}
            onChange={() => undefined}
          />{' '}
          Your text
        </label>
      </div>
      {data.kind === 'synthetic' && (
        <div className="row">
          <NumberField
            label="Size (characters)"
            field="data.size"
            value={data.size}
            min={1000}
            step={1000}
            onChange={(size) => setSynthetic({ size })}
          />
          <NumberField
            label="Corpus seed"
            field="data.seed"
            value={data.seed}
            min={0}
            onChange={(seed) => setSynthetic({ seed })}
          />
        </div>
      )}
      <TextDrop />
      <DataStatusLine />
    </fieldset>
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
