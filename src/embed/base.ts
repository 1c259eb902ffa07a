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
