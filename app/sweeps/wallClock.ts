/**
 * Wall-clock seconds each finished run of the current sweep took on this page: the time since
 * the previous run finished (or the sweep started), paused time left out. Compilation, tuning
 * and every gap between stacks count, which is what a user waits for; the runs of a stack (one
 * shape) share its time between them. app/lib/estimate.ts turns these into step rates.
 */
const seconds = new Map<string, number>();
let since: number | null = null;
let pausedAt: number | null = null;

/** A sweep starts (fresh: forget the runs of the one before) or resumes. */
export function timingStarted(fresh: boolean): void {
  if (fresh) seconds.clear();
  since = performance.now();
  pausedAt = null;
}

export function timingPaused(): void {
  if (since !== null && pausedAt === null) pausedAt = performance.now();
}

export function timingUnpaused(): void {
  if (since !== null && pausedAt !== null) since += performance.now() - pausedAt;
  pausedAt = null;
}

/** The sweep stopped (finished, cancelled, interrupted): later runs are not timed. */
export function timingStopped(): void {
  since = null;
  pausedAt = null;
}

/** A run finished: it took the time since the previous event. */
export function runTimed(id: string): void {
  if (since === null) return;
  const now = performance.now();
  seconds.set(id, (now - since) / 1000);
  since = now;
}

export function wallSeconds(): ReadonlyMap<string, number> {
  return seconds;
}
