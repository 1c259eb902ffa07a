/**
 * Registers the app's service worker (src/pwa/sw.ts) and reports when a new deployment is
 * waiting. Imported by the app page only (src/main.tsx): the embed (element, JS API, iframe)
 * never registers a service worker on a host page.
 */
import { Workbox } from 'workbox-window';

/** What the update notice needs: whether a new version waits, and how to switch to it. */
export interface UpdateSignal {
  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** True once a new version is installed and waiting for a reload. */
  waiting(): boolean;
  /** Activates the waiting version and reloads the page with it. */
  apply(): void;
}

/** A signal that never fires (no service worker support, or development). */
const NEVER: UpdateSignal = { subscribe: () => () => undefined, waiting: () => false, apply: () => undefined };

/** Registers `sw.js` beside the page (production builds only) and returns the update signal. */
export function registerServiceWorker(swUrl = './sw.js'): UpdateSignal {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return NEVER;
  const scope = new URL('./', document.baseURI);
  const wb = new Workbox(new URL(swUrl, document.baseURI).href, { scope: scope.pathname });
  const listeners = new Set<() => void>();
  let waiting = false;
  let activated = false;
  const notify = (): void => listeners.forEach((l) => l());
  wb.addEventListener('waiting', () => {
    waiting = true;
    notify();
  });
  // The new version took control (Reload pressed here or in another tab): this page still
  // runs the old files, so it offers the reload too.
  wb.addEventListener('controlling', () => {
    activated = true;
    waiting = true;
    notify();
  });
  // A page left open for days still hears of new deployments when it comes back into view.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void wb.update().catch(() => undefined);
  });
  void wb.register().catch((e: unknown) => console.warn('Service worker registration failed; the app works online only.', e));
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waiting: () => waiting,
    apply() {
      // Already in control (another tab switched): no controller change will come.
      if (activated) return location.reload();
      void navigator.serviceWorker.getRegistration(scope.href).then((reg) => {
        const next = reg?.waiting;
        // Nothing waits any more (activated elsewhere, or replaced): reload from whatever is active.
        if (!next) return location.reload();
        let reloading = false;
        const reload = (): void => {
          if (reloading) return;
          reloading = true;
          location.reload();
        };
        // Reload once the new worker controls the page, so every file comes from the new version;
        // if it activates and the controller change is not seen, reload anyway.
        navigator.serviceWorker.addEventListener('controllerchange', reload, { once: true });
        next.addEventListener('statechange', () => next.state === 'activated' && setTimeout(reload, 1000));
        next.postMessage({ type: 'SKIP_WAITING' });
      }, () => location.reload());
    },
  };
}

/**
 * Points the page's manifest link at `manifest.webmanifest?model=X` when the page was opened with
 * `?model=X`: the service worker answers with a start URL that opens model X, so the installed
 * app starts with the model it was installed from.
 */
export function linkManifestToModel(): void {
  const model = new URL(location.href).searchParams.get('model');
  const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
  if (model && link) link.href = `${link.href.split('?')[0]}?${new URLSearchParams({ model })}`;
}
