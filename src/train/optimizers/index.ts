/** Every optimizer's GPU half, by the name its rules carry (src/mup/optimizers.ts). */
import type { OptimizerName } from '../../mup/optimizers';
import { adamwGpu } from './adamw';
import type { GpuOptimizer } from './types';

export type { GpuOptimizer, OptimizerSetup, OptimizerUpdateOp } from './types';

export const GPU_OPTIMIZERS: Readonly<Record<OptimizerName, GpuOptimizer>> = Object.freeze({
  adamw: adamwGpu,
});
