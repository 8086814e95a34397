import { PRESET_LABELS, type PresetName } from '../../../src/sweep/config';
import { useLab } from '../../store';
import { SelectField } from '../form/SelectField';

type Choice = PresetName | 'custom';

const OPTIONS: Array<{ value: Choice; label: string; disabled?: boolean }> = [
  ...(Object.keys(PRESET_LABELS) as PresetName[]).map((value) => ({
    value,
    label: PRESET_LABELS[value],
  })),
  { value: 'custom', label: 'Custom', disabled: true },
];

const HINTS: Record<Choice, string> = {
  tiny: 'Three narrow widths, seven learning rates around the optimum, two seeds: about a minute even on a CPU adapter.',
  'tiny-sgd':
    'Tiny with SGD (momentum 0.9; MuSGD under µP): its learning-rate grid sits about 5 octaves above AdamW’s.',
  'tiny-muon':
    'Tiny with Muon on the hidden matrices (momentum 0.95, 5 Newton-Schulz steps; AdamW on the rest): SP-Muon scales the update by 0.2·√max(fan_in, fan_out), µP-Muon by √(fan_out/fan_in).',
  quick: 'Three widths, nine learning rates, two seeds: meant for a GPU (hours on a CPU adapter).',
  paper: 'Widths 128 to 2048, 1000 steps, two seeds: a real GPU and some patience.',
  custom: 'Your own settings.',
};

/** Replaces the whole config with a preset (a loaded text stays). */
export function PresetSelect() {
  const presetName = useLab((s) => s.presetName);
  const applyPreset = useLab((s) => s.applyPreset);
  return (
    <SelectField<Choice>
      label="Preset"
      value={presetName}
      options={OPTIONS}
      hint={HINTS[presetName]}
      onChange={(name) => name !== 'custom' && applyPreset(name)}
    />
  );
}
