/**
 * Where the embed's own files live. The entry module records its URL (import.meta.url) so
 * models and onnxruntime's files resolve beside the bundle, wherever it is hosted (CDN path,
 * GitHub Pages sub-folder), not beside the host page.
 */
let bundleBase: string | null = null;

/** Records the folder of `moduleUrl` (call from the entry module with import.meta.url). */
export function setBundleBase(moduleUrl: string): void {
  bundleBase = new URL('.', moduleUrl).href;
}

/** Folder of the bundle; the page's base before an entry set it. */
export function getBundleBase(): string {
  return bundleBase ?? document.baseURI;
}

/** Default model: models/default/manifest.json beside the bundle. */
export function defaultModelUrl(): string {
  return new URL('models/default/manifest.json', getBundleBase()).href;
}

/** Default runtime files: vendor/ (ort/, vad/) beside the bundle. */
export function defaultAssetBase(): string {
  return new URL('vendor/', getBundleBase()).href;
}

/**
 * The bundle's model card page (model-card.html beside the bundle) for a model on the bundle's
 * own origin, where that page may load it; null for a model elsewhere (the footer then links
 * its raw MODEL_CARD.md).
 */
export function bundleCardPage(manifestUrl: string): string | null {
  const base = new URL(getBundleBase());
  const manifest = new URL(manifestUrl, base);
  return manifest.origin === base.origin ? new URL(`model-card.html?${new URLSearchParams({ model: manifest.href })}`, base).href : null;
}
