import {
  OPTIMIZER_FIELD_LABELS,
  OPTIMIZER_NAMES,
  OPTIMIZER_RULES,
  optimizerNameOf,
  switchOptimizer,
  type OptimizerName,
} from '../../../src/mup/optimizers';
import { DEFAULT_HYPERPARAMS, type MupHyperparams } from '../../../src/mup/rules';
import { useLab } from '../../store';
import { NumberField } from '../form/NumberField';
import { SelectField } from '../form/SelectField';

const OPTIONS = OPTIMIZER_NAMES.map((value) => ({ value, label: OPTIMIZER_RULES[value].label }));

/**
 * The optimizer (hp.optimizer) and the hyperparameters only it reads (its rules' `fields`, e.g.
 * SGD's momentum), each validated with the rest of the config (one-line errors under the field).
 */
export function OptimizerField() {
  const hp = useLab((s) => s.config.hp);
  const editConfig = useLab((s) => s.editConfig);
  const name = optimizerNameOf(hp);
  const rules = OPTIMIZER_RULES[name];
  const setHp = (patch: Partial<MupHyperparams>) =>
    editConfig((c) => ({ ...c, hp: { ...c.hp, ...patch } }));
  return (
    <>
      <SelectField<OptimizerName>
        label="Optimizer"
        field="hp.optimizer"
        value={name}
        options={OPTIONS}
        hint={`Per-tensor rules: ${rules.source}`}
        onChange={(optimizer) =>
          editConfig((c) => ({ ...c, hp: switchOptimizer(c.hp, optimizer) }))
        }
      />
      {rules.fields.length > 0 && (
        <div className={rules.fields.length === 3 ? 'row three' : 'row'}>
          {rules.fields.map((field) => (
            <NumberField
              // Remount per optimizer: the drafts belong to that optimizer's fields.
              key={`${name}.${field}`}
              label={OPTIMIZER_FIELD_LABELS[field] ?? field}
              field={`hp.${field}`}
              value={Number(hp[field] ?? DEFAULT_HYPERPARAMS[field])}
              step="any"
              onChange={(v) => setHp({ [field]: v })}
            />
          ))}
        </div>
      )}
    </>
  );
}
