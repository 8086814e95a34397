import type { Schedule } from '../../../src/train/schedule';
import { SWEEP_LIMITS } from '../../../src/sweep/config';
import { bindFields } from '../form/bind';
import { ListField } from '../form/ListField';
import { NumberField } from '../form/NumberField';
import { SelectField } from '../form/SelectField';
import { OptimizerField } from './OptimizerField';
import { useConfigSection } from './useConfigSection';

/** The optimizer, steps, batch, seeds, the LR schedule and how many runs train side by side. */
export function TrainingFields() {
  const { values: train, set: setTrain, bind } = useConfigSection('train');
  const schedule = train.schedule;
  const setSchedule = (next: Schedule) => setTrain({ schedule: next });
  return (
    <fieldset className="group">
      <legend>Training</legend>
      <OptimizerField />
      <div className="row three">
        <NumberField label="Steps" {...bind('steps')} min={1} />
        <NumberField label="Batch" {...bind('batch')} min={1} />
        <ListField label="Seeds" {...bind('seeds')} placeholder="0, 1" />
      </div>
      <div className="row">
        <SelectField<Schedule['kind']>
          label="LR schedule"
          field="train.schedule"
          value={schedule.kind}
          options={[
            { value: 'constant', label: 'Constant' },
            { value: 'cosine', label: 'Warm-up + cosine' },
          ]}
          onChange={(kind) =>
            setSchedule(
              kind === 'constant'
                ? { kind }
                : { kind, warmupSteps: Math.round(train.steps / 10), minRatio: 0.1 },
            )
          }
        />
        <NumberField
          label="Runs side by side"
          {...bind('stack')}
          min={1}
          max={SWEEP_LIMITS.stack}
          hint="Stacked in one set of dispatches"
        />
      </div>
      {schedule.kind === 'cosine' && <CosineFields schedule={schedule} set={setSchedule} />}
    </fieldset>
  );
}

/** The cosine schedule's warm-up and final ratio. */
function CosineFields({
  schedule,
  set,
}: {
  schedule: Extract<Schedule, { kind: 'cosine' }>;
  set(next: Schedule): void;
}) {
  const bind = bindFields('train.schedule', schedule, (patch) => set({ ...schedule, ...patch }));
  return (
    <div className="row">
      <NumberField label="Warm-up steps" {...bind('warmupSteps')} min={0} />
      <NumberField label="Final LR ratio" {...bind('minRatio')} step="any" min={0} max={1} />
    </div>
  );
}
