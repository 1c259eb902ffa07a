/**
 * "A new version is ready — reload": shown on the app page (never in the embed) when a new
 * deployment's service worker is installed and waiting. The page keeps running the version it
 * loaded until the person chooses to reload.
 */
import { useSyncExternalStore } from 'react';
import type { UpdateSignal } from '../../pwa/register';

export function UpdateNotice({ update }: { update: UpdateSignal }) {
  const waiting = useSyncExternalStore(update.subscribe, update.waiting);
  if (!waiting) return null;
  return (
    <div
      role="status"
      data-testid="update-notice"
      style={{
        position: 'fixed', insetInline: 0, bottom: 12, margin: '0 auto', width: 'fit-content', maxWidth: 'calc(100% - 24px)',
        display: 'flex', gap: 12, alignItems: 'center', padding: '8px 12px', borderRadius: 8,
        background: '#1f4e79', color: '#fff', font: '14px/1.4 system-ui, sans-serif', boxShadow: '0 2px 8px rgba(0,0,0,.25)',
      }}
    >
      <span>A new version is ready.</span>
      <button type="button" onClick={update.apply} style={{ font: 'inherit', padding: '4px 12px', borderRadius: 6, border: '1px solid #fff', background: '#fff', color: '#1f4e79', cursor: 'pointer' }}>
        Reload
      </button>
    </div>
  );
}
