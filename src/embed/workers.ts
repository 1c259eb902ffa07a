/**
 * Worker factories that also work when the bundle is served from another origin than the
 * host page: `new Worker(crossOriginUrl)` throws, so a same-origin blob module imports it
 * instead (needs CORS on the bundle's server, like the module script itself).
 */
import workerUrl from '../worker-entry.ts?worker&url';

const shims = new Map<string, string>();

/** A module worker for `url`, through a blob shim when `url` is cross-origin. */
export function moduleWorker(url: string, name: string): Worker {
  const abs = new URL(url, document.baseURI);
  if (abs.origin === location.origin) return new Worker(abs, { type: 'module', name });
  let shim = shims.get(abs.href);
  if (!shim) {
    // One shim per worker script, kept for restarts (a few bytes; never revoked while in use).
    shim = URL.createObjectURL(new Blob([`import ${JSON.stringify(abs.href)};`], { type: 'text/javascript' }));
    shims.set(abs.href, shim);
  }
  return new Worker(shim, { type: 'module', name });
}

export const createInferenceWorker = (): Worker => moduleWorker(workerUrl, 'inference');
export const createVadWorker = (): Worker => moduleWorker(workerUrl, 'vad');
