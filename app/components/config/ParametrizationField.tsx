import {
  PARAMETRIZATION_LABELS,
  PARAMETRIZATION_TABLE,
  PARAMETRIZATIONS,
  type Parametrization,
} from '../../../src/mup/parametrizations';
import { useLab } from '../../store';
import { SelectField } from '../form/SelectField';

type Choice = 'both' | Parametrization;

function parametrizationsOf(choice: Choice): Parametrization[] {
  return choice === 'both' ? [...PARAMETRIZATIONS] : [choice];
}

function choiceOf(ps: Parametrization[]): Choice {
  return ps.length === 1 ? ps[0] : 'both';
}

/** Each parametrization alone, or all of them side by side on the same axes (SP and µP). */
export function ParametrizationField() {
  const ps = useLab((s) => s.config.parametrizations);
  const editConfig = useLab((s) => s.editConfig);
  const alone = PARAMETRIZATIONS.map((p) => ({
    value: p,
    label: `${PARAMETRIZATION_TABLE[p].title} only`,
  }));
  return (
    <SelectField<Choice>
      label="Parametrization"
      field="parametrizations"
      value={choiceOf(ps)}
      options={[
        {
          value: 'both',
          label: `${PARAMETRIZATIONS.map((p) => PARAMETRIZATION_LABELS[p]).join(' and ')} side by side`,
        },
        ...alone,
      ]}
      onChange={(choice) =>
        editConfig((c) => ({ ...c, parametrizations: parametrizationsOf(choice) }))
      }
    />
  );
}
