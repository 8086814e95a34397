import { adapterLabel } from '../../src/gpu/adapter';
import type { StepRate } from '../lib/estimate';
import { useLab } from '../store';

const NONE: StepRate[] = [];

/** The step rates measured on the adapter in use (none when they were measured on another). */
export function useRates(): StepRate[] {
  return useLab((s) =>
    s.measured && s.gpu.state === 'ready' && s.measured.adapter === adapterLabel(s.gpu.adapter)
      ? s.measured.rates
      : NONE,
  );
}
