/**
 * The app's service worker (page only: the embed never registers it). Workbox precaches one
 * deployment's app shell, onnxruntime-web's runtime files and the Silero VAD model, and serves
 * them with the headers they were precached with (COOP/COEP included, so a page opened offline
 * is still cross-origin isolated and WASM threads still work).
 *
 * Model files are deliberately NOT handled here: the inference worker keeps them in its own
 * Cache API bucket (src/model/cache.ts), verified against the manifest's SHA-256 on every
 * load and kept across app updates. Requests this worker does not precache go straight to the
 * network; offline, the model loader falls back to that bucket.
 */
import { createHandlerBoundToURL, matchPrecache, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

interface SwScope {
  __WB_MANIFEST: (PrecacheEntry | string)[];
  registration: { scope: string };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
}
declare const self: SwScope;

precacheAndRoute(self.__WB_MANIFEST);

const scopePath = new URL(self.registration.scope).pathname;
const scopeRe = scopePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The app page with any query (?model=, ?backend=) opens from the precached index.html
// (Workbox matches the allowlist against path + query).
const appPage = new RegExp(`^${scopeRe}(index\\.html)?(\\?.*)?$`);
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { allowlist: [appPage] }));
// The model card page likewise, whatever its ?model= (the card itself comes from the model's folder).
const cardPage = new RegExp(`^${scopeRe}model-card\\.html(\\?.*)?$`);
registerRoute(new NavigationRoute(createHandlerBoundToURL('model-card.html'), { allowlist: [cardPage] }));

// manifest.webmanifest?model=X: the precached manifest with a start URL that opens model X,
// so an app installed from ?model= starts with that model.
registerRoute(
  ({ url }) => url.pathname === `${scopePath}manifest.webmanifest` && url.searchParams.has('model'),
  async ({ url, request }) => {
    const cached = await matchPrecache('manifest.webmanifest');
    if (!cached) return fetch(request);
    const manifest = (await cached.json()) as Record<string, unknown>;
    manifest.start_url = `./?${new URLSearchParams({ model: url.searchParams.get('model') ?? '' })}`;
    const headers = new Headers(cached.headers);
    headers.delete('Content-Length');
    return new Response(JSON.stringify(manifest), { headers });
  },
);

// A new deployment waits until the page asks (its "reload" button): one page never runs
// files from two deployments.
self.addEventListener('message', (e) => {
  if ((e.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});
