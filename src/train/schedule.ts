/** Learning-rate schedules, as a multiplier of the base learning rate per step (1-based). */
export type Schedule =
  { kind: 'constant' } | { kind: 'cosine'; warmupSteps: number; minRatio: number };

export function lrFactor(schedule: Schedule, step: number, totalSteps: number): number {
  if (schedule.kind === 'constant') return 1;
  const warm = Math.max(0, Math.floor(schedule.warmupSteps));
  if (step <= warm) return step / Math.max(1, warm);
  const progress = Math.min(1, (step - warm) / Math.max(1, totalSteps - warm));
  return schedule.minRatio + (1 - schedule.minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
