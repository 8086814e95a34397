import type { ConfigError } from '../../../src/sweep/config';
import { useLab } from '../../store';
import { ErrorsContext } from '../form/errors';
import { CostEstimate } from './CostEstimate';
import { DataFields } from './DataFields';
import { ModelFields } from './ModelFields';
import { PresetSelect } from './PresetSelect';
import { SweepFields } from './SweepFields';
import { TrainingFields } from './TrainingFields';

/** The Configure column: preset, model, data, parametrization and sweep, and the cost. */
export function ConfigPanel({ errors, locked }: { errors: ConfigError[]; locked: boolean }) {
  const version = useLab((s) => s.configVersion);
  return (
    <section className="panel config" aria-labelledby="config-title">
      <h2 id="config-title">Configure</h2>
      <ErrorsContext.Provider value={errors}>
        <form key={version} onSubmit={(e) => e.preventDefault()} noValidate>
          <fieldset disabled={locked} className="plain">
            <PresetSelect />
            <ModelFields />
            <DataFields />
            <SweepFields />
            <TrainingFields />
          </fieldset>
        </form>
      </ErrorsContext.Provider>
      <CostEstimate valid={errors.length === 0} />
    </section>
  );
}
