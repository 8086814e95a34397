import { useLab } from '../store';

/** A problem that belongs to no single field (e.g. storage refused), dismissible. */
export function Notice() {
  const notice = useLab((s) => s.notice);
  const setNotice = useLab((s) => s.setNotice);
  if (!notice) return null;
  return (
    <div className="notice" role="alert">
      <p>{notice}</p>
      <button type="button" className="secondary" onClick={() => setNotice(null)}>
        Dismiss
      </button>
    </div>
  );
}
