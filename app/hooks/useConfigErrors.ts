/** Every problem of the form's config, with the adapter's limits and the data's vocabulary. */
import { useMemo } from 'react';
import { validateSweepConfig, type ConfigError } from '../../src/sweep/config';
import { useLab } from '../store';

export function useConfigErrors(): ConfigError[] {
  const config = useLab((s) => s.config);
  const gpu = useLab((s) => s.gpu);
  const data = useLab((s) => s.data);
  const limits = gpu.state === 'ready' ? gpu.limits : undefined;
  const vocab = data.state === 'ready' ? data.vocab : undefined;
  return useMemo(() => {
    const errors = validateSweepConfig(config, { vocab, limits });
    if (data.state === 'error') errors.push({ field: 'data', message: data.message });
    return errors;
  }, [config, vocab, limits, data]);
}
