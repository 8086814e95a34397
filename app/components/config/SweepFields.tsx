import { SWEPT_HP_LABELS, validHpGrid, type SweptHp } from '../../../src/sweep/config';
import * as fmt from '../../lib/format';
import { useLab } from '../../store';
import { ListField } from '../form/ListField';
import { NumberField } from '../form/NumberField';
import { SelectField } from '../form/SelectField';
import { DepthScalingField } from './DepthScalingField';
import { ParametrizationField } from './ParametrizationField';

const HP_OPTIONS = (Object.keys(SWEPT_HP_LABELS) as SweptHp[]).map((value) => ({
  value,
  label: SWEPT_HP_LABELS[value][0].toUpperCase() + SWEPT_HP_LABELS[value].slice(1),
}));

/** What is scaled (widths or depths) and which hyperparameter is swept over which log2 grid. */
export function SweepFields() {
  const c = useLab((s) => s.config);
  const editConfig = useLab((s) => s.editConfig);
  const sweep = c.sweep;
  const setSweep = (patch: Partial<typeof sweep>) =>
    editConfig((x) => ({ ...x, sweep: { ...x.sweep, ...patch } }));
  // Only a valid range has a grid: a step of 0 would be an endless one.
  const grid = validHpGrid(sweep) ?? [];
  return (
    <fieldset className="group">
      <legend>Sweep</legend>
      <ParametrizationField />
      <SelectField<'width' | 'depth'>
        label="Transfer across"
        field="axis"
        value={c.axis}
        options={[
          { value: 'width', label: 'Width (µTransfer)' },
          { value: 'depth', label: 'Depth' },
        ]}
        onChange={(axis) => editConfig((x) => ({ ...x, axis }))}
      />
      <DepthScalingField />
      <div className="row">
        <ListField
          label={c.axis === 'width' ? 'Widths' : 'Width'}
          field="widths"
          value={c.widths}
          placeholder="32, 64, 128"
          onChange={(widths) => editConfig((x) => ({ ...x, widths }))}
        />
        <NumberField
          label="Base width"
          field="baseWidth"
          value={c.baseWidth}
          min={1}
          onChange={(baseWidth) => editConfig((x) => ({ ...x, baseWidth }))}
        />
      </div>
      {c.axis === 'depth' && (
        <div className="row">
          <ListField
            label="Depths"
            field="depths"
            value={c.depths}
            placeholder="2, 4, 8"
            onChange={(depths) => editConfig((x) => ({ ...x, depths }))}
          />
          <NumberField
            label="Base depth"
            field="baseDepth"
            value={c.baseDepth}
            min={1}
            onChange={(baseDepth) => editConfig((x) => ({ ...x, baseDepth }))}
          />
        </div>
      )}
      <SelectField<SweptHp>
        label="Swept hyperparameter"
        field="sweep.name"
        value={sweep.name}
        options={HP_OPTIONS}
        onChange={(name) => setSweep({ name })}
      />
      <div className="row three">
        <NumberField
          label="log2 from"
          field="sweep.log2Min"
          value={sweep.log2Min}
          step="any"
          onChange={(log2Min) => setSweep({ log2Min })}
        />
        <NumberField
          label="to"
          field="sweep.log2Max"
          value={sweep.log2Max}
          step="any"
          onChange={(log2Max) => setSweep({ log2Max })}
        />
        <NumberField
          label="step"
          field="sweep.log2Step"
          value={sweep.log2Step}
          step="any"
          min={0}
          onChange={(log2Step) => setSweep({ log2Step })}
        />
      </div>
      {grid.length > 0 && (
        <p className="hint" data-testid="grid-preview">
          {grid.length} values of the {SWEPT_HP_LABELS[sweep.name]}: {fmt.pow2(grid[0])} …{' '}
          {fmt.pow2(grid[grid.length - 1])}
        </p>
      )}
    </fieldset>
  );
}
