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

/**
 * The schedule of a shorter (or longer) run of the same recipe: a run of `steps` steps whose
 * warm-up is the same fraction of the run as in the `totalSteps` recipe (at least one step when
 * the recipe warms up), the cosine decaying over the whole shorter run to the same floor.
 */
export function scheduleForSteps(schedule: Schedule, totalSteps: number, steps: number): Schedule {
  if (schedule.kind === 'constant') return schedule;
  const warm = Math.max(0, Math.floor(schedule.warmupSteps));
  const scaled = warm === 0 ? 0 : Math.max(1, Math.round((warm * steps) / totalSteps));
  return { ...schedule, warmupSteps: Math.min(scaled, steps) };
}
