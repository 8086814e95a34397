import { MAX_CONTEXT, MAX_DEPTH, MAX_HEAD_SIZE } from '../../../src/limits';
import { CheckField } from '../form/CheckField';
import { NumberField } from '../form/NumberField';
import { SelectField } from '../form/SelectField';
import { useConfigSection } from './useConfigSection';

type HeadMode = 'heads' | 'headSize';

/** The GPT: depth, attention heads (fixed count or fixed size), context, readout. */
export function ModelFields() {
  const { values: model, set: setModel, bind } = useConfigSection('model');
  const mode: HeadMode = model.headSize !== undefined ? 'headSize' : 'heads';
  return (
    <fieldset className="group">
      <legend>Model</legend>
      <div className="row">
        <NumberField label="Depth (blocks)" {...bind('depth')} min={1} max={MAX_DEPTH} />
        <NumberField label="Context (tokens)" {...bind('context')} min={2} max={MAX_CONTEXT} />
      </div>
      <div className="row">
        <SelectField<HeadMode>
          label="Attention"
          value={mode}
          options={[
            { value: 'heads', label: 'Fixed heads' },
            { value: 'headSize', label: 'Fixed head size' },
          ]}
          onChange={(next) =>
            setModel(
              next === 'heads'
                ? { heads: 4, headSize: undefined }
                : { headSize: 16, heads: undefined },
            )
          }
        />
        {mode === 'heads' ? (
          <NumberField
            key="heads"
            label="Heads"
            field="model.heads"
            value={model.heads ?? NaN}
            min={1}
            onChange={(heads) => setModel({ heads })}
          />
        ) : (
          <NumberField
            key="headSize"
            label="Head size"
            field="model.headSize"
            value={model.headSize ?? NaN}
            min={1}
            max={MAX_HEAD_SIZE}
            onChange={(headSize) => setModel({ headSize })}
          />
        )}
      </div>
      <div className="row">
        <NumberField label="MLP ratio" {...bind('mlpRatio')} step="any" min={0.25} />
        <div className="checks">
          <CheckField
            label="Tied readout"
            checked={model.tiedReadout}
            onChange={(tiedReadout) => setModel({ tiedReadout })}
            hint="Logits use the token embedding"
          />
          <CheckField
            label="Biases"
            checked={model.biases}
            onChange={(biases) => setModel({ biases })}
          />
        </div>
      </div>
    </fieldset>
  );
}
