import type { Schedule } from '../../../src/train/schedule';
import { SWEEP_LIMITS, type TrainConfig } from '../../../src/sweep/config';
import { useLab } from '../../store';
import { ListField } from '../form/ListField';
import { NumberField } from '../form/NumberField';
import { SelectField } from '../form/SelectField';
import { OptimizerField } from './OptimizerField';

/** The optimizer, steps, batch, seeds, the LR schedule and how many runs train side by side. */
export function TrainingFields() {
  const train = useLab((s) => s.config.train);
  const editConfig = useLab((s) => s.editConfig);
  const setTrain = (patch: Partial<TrainConfig>) =>
    editConfig((c) => ({ ...c, train: { ...c.train, ...patch } }));
  const schedule = train.schedule;
  const setSchedule = (next: Schedule) => setTrain({ schedule: next });
  return (
    <fieldset className="group">
      <legend>Training</legend>
      <OptimizerField />
      <div className="row three">
        <NumberField
          label="Steps"
          field="train.steps"
          value={train.steps}
          min={1}
          onChange={(steps) => setTrain({ steps })}
        />
        <NumberField
          label="Batch"
          field="train.batch"
          value={train.batch}
          min={1}
          onChange={(batch) => setTrain({ batch })}
        />
        <ListField
          label="Seeds"
          field="train.seeds"
          value={train.seeds}
          placeholder="0, 1"
          onChange={(seeds) => setTrain({ seeds })}
        />
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
          field="train.stack"
          value={train.stack}
          min={1}
          max={SWEEP_LIMITS.stack}
          hint="Stacked in one set of dispatches"
          onChange={(stack) => setTrain({ stack })}
        />
      </div>
      {schedule.kind === 'cosine' && (
        <div className="row">
          <NumberField
            label="Warm-up steps"
            field="train.schedule.warmupSteps"
            value={schedule.warmupSteps}
            min={0}
            onChange={(warmupSteps) => setSchedule({ ...schedule, warmupSteps })}
          />
          <NumberField
            label="Final LR ratio"
            field="train.schedule.minRatio"
            value={schedule.minRatio}
            step="any"
            min={0}
            max={1}
            onChange={(minRatio) => setSchedule({ ...schedule, minRatio })}
          />
        </div>
      )}
    </fieldset>
  );
}
