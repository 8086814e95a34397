import { SWEPT_HP_LABELS, type SweepConfig } from '../../../src/sweep/config';
import type { RunSpec } from '../../../src/sweep/types';
import * as fmt from '../../lib/format';
import { PARAMETRIZATION_LABELS } from '../../../src/mup/parametrizations';

/** "µP · width 32 · log2 learning rate −6" */
export function runLabel(c: SweepConfig, r: RunSpec): string {
  const scaled = c.axis === 'depth' ? `depth ${r.depth}` : `width ${r.width}`;
  const seed = c.train.seeds.length > 1 ? ` · seed ${r.seed}` : '';
  return `${PARAMETRIZATION_LABELS[r.parametrization]} · ${scaled} · log2 ${SWEPT_HP_LABELS[c.sweep.name]} ${fmt.log2(r.log2Hp)}${seed}`;
}
