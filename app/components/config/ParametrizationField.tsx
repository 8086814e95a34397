import type { Parametrization } from '../../../src/mup/rules';
import { useLab } from '../../store';
import { SelectField } from '../form/SelectField';

type Choice = 'both' | 'sp' | 'mup';

const CHOICES: Record<Choice, Parametrization[]> = {
  both: ['sp', 'mup'],
  sp: ['sp'],
  mup: ['mup'],
};

function choiceOf(ps: Parametrization[]): Choice {
  if (ps.length === 2) return 'both';
  return ps[0] === 'sp' ? 'sp' : 'mup';
}

/** SP, µP, or both side by side on the same axes. */
export function ParametrizationField() {
  const ps = useLab((s) => s.config.parametrizations);
  const editConfig = useLab((s) => s.editConfig);
  return (
    <SelectField<Choice>
      label="Parametrization"
      field="parametrizations"
      value={choiceOf(ps)}
      options={[
        { value: 'both', label: 'SP and µP side by side' },
        { value: 'mup', label: 'µP only' },
        { value: 'sp', label: 'SP (standard) only' },
      ]}
      onChange={(choice) => editConfig((c) => ({ ...c, parametrizations: CHOICES[choice] }))}
    />
  );
}
