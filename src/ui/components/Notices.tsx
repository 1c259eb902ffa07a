import { useAppState, useController } from '../context';

/** Errors and warnings, announced to screen readers; each can be dismissed. */
export function Notices() {
  const notices = useAppState((s) => s.notices);
  const { dismissNotice, retryModel } = useController();
  if (!notices.length) return null;
  return (
    <div className="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice ${n.kind}`} role={n.kind === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          {n.action === 'Retry' ? (
            <button type="button" onClick={retryModel}>
              Retry
            </button>
          ) : null}
          <button type="button" aria-label="Dismiss message" onClick={() => dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
