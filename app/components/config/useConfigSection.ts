import type { SweepConfig } from '../../../src/sweep/config';
import { useLab } from '../../store';
import { bindFields, type BoundField } from '../form/bind';

/** The parts of the config that the form edits value by value (objects, not unions). */
type Section = 'model' | 'train' | 'sweep';

export interface ConfigSection<S extends object> {
  values: S;
  set(patch: Partial<S>): void;
  bind<K extends keyof S & string>(key: K): BoundField<S[K]>;
}

/** One section of the config (`config.train`, …): its values, a patch setter and `bind`. */
export function useConfigSection<K extends Section>(section: K): ConfigSection<SweepConfig[K]> {
  const values = useLab((s) => s.config[section]);
  const editConfig = useLab((s) => s.editConfig);
  const set = (patch: Partial<SweepConfig[K]>) =>
    editConfig((c) => ({ ...c, [section]: { ...c[section], ...patch } }));
  return { values, set, bind: bindFields(section, values, set) };
}

/** The config's top-level values (axis, widths, base width, …). */
export function useConfigRoot(): ConfigSection<SweepConfig> {
  const values = useLab((s) => s.config);
  const editConfig = useLab((s) => s.editConfig);
  const set = (patch: Partial<SweepConfig>) => editConfig((c) => ({ ...c, ...patch }));
  return { values, set, bind: bindFields('', values, set) };
}
