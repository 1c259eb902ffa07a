/**
 * Which origins may serve models. Checked in the inference worker right before each fetch
 * (manifest, model files, and the final URL after redirects), because the worker's fetches
 * are not covered by the page's `<meta>` Content-Security-Policy.
 */
import { ModelLoadError } from './errors.ts';

/**
 * An exact http(s) origin (`https://models.example`, `http://127.0.0.1:8080`), normalised;
 * throws TypeError naming `raw` for anything else (paths, wildcards, other schemes).
 */
export function parseModelOrigin(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`not an origin: ${JSON.stringify(raw)} (expected e.g. https://models.example)`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== raw.replace(/\/$/, '') || url.username || url.password || url.hostname.includes('*')) {
    throw new TypeError(`not an exact http(s) origin: ${JSON.stringify(raw)} (no path, wildcard or credentials)`);
  }
  return url.origin;
}

/** Origins separated by commas and/or whitespace (the build-time `SER_MODEL_ORIGINS` format). */
export function parseOriginList(raw: string): string[] {
  return [...new Set(raw.split(/[\s,]+/).filter((s) => s !== '').map(parseModelOrigin))];
}

/**
 * Throws {@link ModelLoadError} `forbidden-origin` unless `url` is on one of `allowed`.
 * `what` names the file in the message ("model manifest", "model file").
 */
export function checkModelOrigin(url: string, allowed: readonly string[], what: string): void {
  const origin = new URL(url).origin;
  if (allowed.includes(origin)) return;
  throw new ModelLoadError(
    'forbidden-origin',
    `Refused to load the ${what} ${url}: models may only come from ${allowed.join(', ') || 'no origin'}, not from ${origin}.`,
    url,
  );
}
