import { useLab } from '../../store';
import { useSweepList } from '../../sweeps/sweepList';

/** Says that the work is kept in this browser, and how much of it: this sweep's and all of it. */
export function SaveStatus() {
  const saved = useLab((s) => s.saved);
  const sweeps = useSweepList((s) => s.entries.length);
  const allRuns = useSweepList((s) => s.entries.reduce((n, e) => n + e.runs, 0));
  if (!saved) return null;
  const time = new Date(saved.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <span className="save-status muted" data-testid="save-status">
      Saved in this browser at {time}
      {saved.runs > 0 && ` · this sweep ${saved.runs} run${saved.runs === 1 ? '' : 's'}`}
      {sweeps > 0 &&
        ` · ${sweeps} sweep${sweeps === 1 ? '' : 's'}, ${allRuns} run${allRuns === 1 ? '' : 's'} in all`}
    </span>
  );
}
