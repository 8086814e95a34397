import { useLab } from '../../store';

/** Says that the work is kept in this browser, and how much of it. */
export function SaveStatus() {
  const saved = useLab((s) => s.saved);
  if (!saved) return null;
  const time = new Date(saved.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <span className="save-status muted" data-testid="save-status">
      Saved in this browser at {time}
      {saved.runs > 0 && ` · ${saved.runs} run${saved.runs === 1 ? '' : 's'}`}
    </span>
  );
}
