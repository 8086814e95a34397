import { SWEPT_HP_LABELS, validHpGrid, type SweptHp } from '../../../src/sweep/config';
import * as fmt from '../../lib/format';
import { ListField } from '../form/ListField';
import { NumberField } from '../form/NumberField';
import { SelectField } from '../form/SelectField';
import { DepthScalingField } from './DepthScalingField';
import { ParametrizationField } from './ParametrizationField';
import { useConfigRoot, useConfigSection } from './useConfigSection';

const HP_OPTIONS = (Object.keys(SWEPT_HP_LABELS) as SweptHp[]).map((value) => ({
  value,
  label: SWEPT_HP_LABELS[value][0].toUpperCase() + SWEPT_HP_LABELS[value].slice(1),
}));

/** What is scaled (widths or depths) and which hyperparameter is swept over which log2 grid. */
export function SweepFields() {
  const { values: c, bind: bindRoot } = useConfigRoot();
  const { values: sweep, bind } = useConfigSection('sweep');
  // Only a valid range has a grid: a step of 0 would be an endless one.
  const grid = validHpGrid(sweep) ?? [];
  return (
    <fieldset className="group">
      <legend>Sweep</legend>
      <ParametrizationField />
      <SelectField<'width' | 'depth'>
        label="Transfer across"
        {...bindRoot('axis')}
        options={[
          { value: 'width', label: 'Width (µTransfer)' },
          { value: 'depth', label: 'Depth' },
        ]}
      />
      <DepthScalingField />
      <div className="row">
        <ListField
          label={c.axis === 'width' ? 'Widths' : 'Width'}
          {...bindRoot('widths')}
          placeholder="32, 64, 128"
        />
        <NumberField label="Base width" {...bindRoot('baseWidth')} min={1} />
      </div>
      {c.axis === 'depth' && (
        <div className="row">
          <ListField label="Depths" {...bindRoot('depths')} placeholder="2, 4, 8" />
          <NumberField label="Base depth" {...bindRoot('baseDepth')} min={1} />
        </div>
      )}
      <SelectField<SweptHp> label="Swept hyperparameter" {...bind('name')} options={HP_OPTIONS} />
      <div className="row three">
        <NumberField label="log2 from" {...bind('log2Min')} step="any" />
        <NumberField label="to" {...bind('log2Max')} step="any" />
        <NumberField label="step" {...bind('log2Step')} step="any" min={0} />
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
