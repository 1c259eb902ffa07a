/**
 * Validation of everything a host page hands the embed (attributes, API arguments,
 * iframe parameters). Bad values fail fast with a message that names the input.
 */
import type { BackendPreference, InputMode, RecognizerErrorCode } from './types';

/** An error with a machine-readable code; `invalid-option` for bad host input. */
export class RecognizerError extends Error {
  override readonly name = 'RecognizerError';
  constructor(
    readonly code: RecognizerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const INPUTS: readonly InputMode[] = ['mic', 'file', 'both'];
const BACKENDS: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

function invalid(message: string): RecognizerError {
  return new RecognizerError('invalid-option', message);
}

/**
 * Resolves an http(s) URL option against `base`. Other schemes (javascript:, data:, blob:,
 * file:) are refused: the URL is fetched by workers and its files executed as models.
 */
export function parseHttpUrl(name: string, raw: unknown, base: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid(`${name} must be a non-empty URL string`);
  let url: URL;
  try {
    url = new URL(raw.trim(), base);
  } catch {
    throw invalid(`${name} is not a valid URL: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`${name} must be an http(s) URL, got scheme "${url.protocol}"`);
  }
  if (url.username || url.password) throw invalid(`${name} must not contain credentials`);
  return url.href;
}

/** Like {@link parseHttpUrl}, for a folder: the result ends with `/`. */
export function parseFolderUrl(name: string, raw: unknown, base: string): string {
  const href = parseHttpUrl(name, raw, base);
  const url = new URL(href);
  url.search = '';
  url.hash = '';
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

export function parseInputMode(raw: unknown): InputMode {
  if (raw === null || raw === undefined || raw === '') return 'both';
  if (typeof raw === 'string' && (INPUTS as readonly string[]).includes(raw)) return raw as InputMode;
  throw invalid(`input must be one of ${INPUTS.join(', ')}, got ${JSON.stringify(raw)}`);
}

export function parseBackend(raw: unknown): BackendPreference {
  if (raw === null || raw === undefined || raw === '') return 'auto';
  if (typeof raw === 'string' && (BACKENDS as readonly string[]).includes(raw)) return raw as BackendPreference;
  throw invalid(`backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(raw)}`);
}

/**
 * An exact web origin (`https://example.org` or `http://localhost:8080`): no path, no
 * wildcard, no `null`, so postMessage can target it and compare `event.origin` with it.
 */
export function parseOrigin(name: string, raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw invalid(`${name} must be an origin like https://example.org`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`${name} is not a valid origin: ${JSON.stringify(raw).slice(0, 200)}`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== raw.replace(/\/$/, '')) {
    throw invalid(`${name} must be an exact http(s) origin without path, got ${JSON.stringify(raw).slice(0, 200)}`);
  }
  return url.origin;
}

/** A list of exact http(s) origins (array, or a string separated by spaces/commas as in the `model-origins` attribute). */
export function parseOriginsOption(name: string, raw: unknown): string[] {
  const items = typeof raw === 'string' ? raw.split(/[\s,]+/).filter((s) => s !== '') : raw;
  if (!Array.isArray(items)) throw invalid(`${name} must be an array of origins like https://models.example`);
  return [...new Set(items.map((o: unknown) => parseOrigin(name, o)))];
}

/** A Blob (File included) to analyse; anything else is refused before decoding starts. */
export function parseAudioBlob(raw: unknown): Blob {
  if (typeof Blob !== 'undefined' && raw instanceof Blob) return raw;
  throw invalid('analyse() needs a File or Blob with audio');
}
