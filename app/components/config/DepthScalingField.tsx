import { DEPTH_SCALINGS, depthScalingOf, type DepthScaling } from '../../../src/mup/rules';
import { useLab } from '../../store';
import { SelectField } from '../form/SelectField';

/**
 * µP's depth option: none, depth-µP (α = 1/2) or CompleteP (α = 1; Dey et al. 2025). It sets
 * hp.depthAlpha, and matters when the depth differs from the base depth (a depth sweep).
 */
export function DepthScalingField() {
  const alpha = useLab((s) => s.config.hp.depthAlpha);
  const editConfig = useLab((s) => s.editConfig);
  const options = (Object.keys(DEPTH_SCALINGS) as DepthScaling[]).map((value) => ({
    value,
    label: DEPTH_SCALINGS[value].label,
  }));
  return (
    <SelectField<DepthScaling>
      label="Depth scaling (µP)"
      field="hp.depthAlpha"
      value={depthScalingOf(alpha)}
      options={options}
      hint="Residual branches × L^-α, in-block LR × L^(α-1), in-block Adam ε × L^-α (L = depth / base depth)"
      onChange={(name) =>
        editConfig((c) => ({ ...c, hp: { ...c.hp, depthAlpha: DEPTH_SCALINGS[name].alpha } }))
      }
    />
  );
}
