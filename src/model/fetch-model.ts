/**
 * Fetches one model file: Cache API first, then network with byte progress; verifies
 * SHA-256 against the manifest before the bytes are used or cached. A bad cache entry
 * (wrong hash, short) is deleted and the file fetched again from the network.
 */
import type { ModelCache } from './cache.ts';
import { LOAD_TIMEOUTS, withDeadline } from './deadline.ts';
import { ModelLoadError } from './errors.ts';
import { checkModelOrigin } from './origin-policy.ts';
import type { ProgressCallback } from './progress.ts';

/** What the manifest says about one file. */
export interface ModelFileSpec {
  /** Absolute URL of the file. */
  url: string;
  /** Lowercase hex SHA-256 of the file's bytes. */
  sha256: string;
  /** Size in bytes, when the manifest gives it (otherwise Content-Length is used). */
  bytes?: number;
}

/** Where this file sits in a multi-file load, for the overall progress fields. */
export interface OverallOffset {
  /** Bytes of the files loaded before this one. */
  offset: number;
  /** Sum of all files' sizes. */
  total: number;
}

/** Options of {@link fetchModelFile}. */
export interface FetchModelOptions {
  cache: ModelCache;
  /** fetch implementation (tests inject a mock). */
  fetch?: typeof fetch;
  onProgress?: ProgressCallback;
  overall?: OverallOffset;
  signal?: AbortSignal;
  /** A download with no new bytes for this long is abandoned (default {@link LOAD_TIMEOUTS}.stallMs). */
  stallMs?: number;
  /** Origins the file may come from (checked before the cache and the network, and after redirects); unset: any. */
  allowedOrigins?: readonly string[];
}

/** A verified file. */
export interface FetchedFile {
  bytes: Uint8Array<ArrayBuffer>;
  /** True when served from the Cache API. */
  fromCache: boolean;
}

/** Largest model file accepted (the schema's bound on `bytes`): 4 GiB. */
export const MAX_MODEL_FILE_BYTES = 2 ** 32;

/** Lowercase hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Fetches, verifies and caches one model file. Throws {@link ModelLoadError}. */
export async function fetchModelFile(spec: ModelFileSpec, opts: FetchModelOptions): Promise<FetchedFile> {
  if (opts.allowedOrigins) checkModelOrigin(spec.url, opts.allowedOrigins, 'model file');
  const fromCache = await readFromCache(spec, opts.cache);
  const overall = opts.overall;
  if (fromCache) {
    const total = fromCache.byteLength;
    opts.onProgress?.({ status: 'initiate', file: spec.url, total });
    opts.onProgress?.({
      status: 'progress',
      file: spec.url,
      loaded: total,
      total,
      progress: 100,
      overallLoaded: (overall?.offset ?? 0) + total,
      overallTotal: overall?.total ?? total,
    });
    opts.onProgress?.({ status: 'done', file: spec.url, loaded: total, total, fromCache: true });
    return { bytes: fromCache, fromCache: true };
  }
  const bytes = await download(spec, opts);
  const actual = await sha256Hex(bytes);
  if (actual !== spec.sha256.toLowerCase()) {
    await opts.cache.delete(spec.url);
    throw new ModelLoadError(
      'checksum',
      `SHA-256 mismatch for ${spec.url}: expected ${spec.sha256}, got ${actual} (${bytes.byteLength} bytes). ` +
        'The file on the server does not match the manifest.',
      spec.url,
    );
  }
  await opts.cache.put(spec.url, bytes);
  opts.onProgress?.({ status: 'done', file: spec.url, loaded: bytes.byteLength, total: bytes.byteLength, fromCache: false });
  return { bytes, fromCache: false };
}

/** Verified cached bytes, or null; a cache entry that fails verification is deleted. */
async function readFromCache(spec: ModelFileSpec, cache: ModelCache): Promise<Uint8Array<ArrayBuffer> | null> {
  const hit = await cache.match(spec.url);
  if (!hit) return null;
  try {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    const sizeOk = spec.bytes === undefined || bytes.byteLength === spec.bytes;
    if (sizeOk && (await sha256Hex(bytes)) === spec.sha256.toLowerCase()) return bytes;
  } catch {
    // unreadable entry: treat like a corrupt one
  }
  await cache.delete(spec.url);
  return null;
}

/** Expected size: the manifest's, else an un-encoded Content-Length, else unknown. */
function expectedSize(spec: ModelFileSpec, res: Response): number | undefined {
  if (spec.bytes !== undefined) return spec.bytes;
  if (res.headers.get('Content-Encoding')) return undefined; // length of the encoded body
  const len = Number(res.headers.get('Content-Length'));
  return Number.isFinite(len) && len > 0 ? len : undefined;
}

/** The buffer for a file of `size` bytes, or why there is none (a size out of bounds, memory the tab lacks). */
function allocate(url: string, size: number): Uint8Array<ArrayBuffer> | ModelLoadError {
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_MODEL_FILE_BYTES) {
    return new ModelLoadError('too-large', `${url}: a size of ${size} bytes is not plausible for a model file (at most ${MAX_MODEL_FILE_BYTES}).`, url);
  }
  try {
    return new Uint8Array(size);
  } catch (e) {
    return new ModelLoadError('too-large', `${url}: could not reserve ${size} bytes of memory for it (${String(e)}).`, url, { cause: e });
  }
}

async function download(spec: ModelFileSpec, opts: FetchModelOptions): Promise<Uint8Array<ArrayBuffer>> {
  const doFetch = opts.fetch ?? fetch;
  const stallMs = opts.stallMs ?? LOAD_TIMEOUTS.stallMs;
  const abort = new AbortController();
  opts.signal?.addEventListener('abort', () => abort.abort(opts.signal?.reason), { once: true });
  let loaded = 0;
  const stalled = (): ModelLoadError => {
    abort.abort();
    return new ModelLoadError('timeout', `Download of ${spec.url} stalled: no data for ${stallMs / 1000} s after ${loaded} bytes.`, spec.url);
  };
  let res: Response;
  try {
    res = await withDeadline(doFetch(spec.url, { signal: abort.signal, cache: 'no-cache' }), stallMs, stalled);
  } catch (e) {
    if (e instanceof ModelLoadError) throw e;
    throw new ModelLoadError('network', `Could not download ${spec.url}: ${String(e)}`, spec.url, { cause: e });
  }
  if (opts.allowedOrigins && res.url) {
    try {
      checkModelOrigin(res.url, opts.allowedOrigins, `model file ${spec.url}, redirected to`);
    } catch (e) {
      await res.body?.cancel().catch(() => undefined);
      throw e;
    }
  }
  if (res.status === 404 || res.status === 410) {
    throw new ModelLoadError('not-found', `Model file not found (HTTP ${res.status}): ${spec.url}`, spec.url);
  }
  if (!res.ok) throw new ModelLoadError('network', `HTTP ${res.status} while downloading ${spec.url}`, spec.url);

  const known = expectedSize(spec, res);
  // Known size: write straight into the final buffer (no 2x peak for large models).
  const whole = known !== undefined ? allocate(spec.url, known) : null;
  if (whole instanceof ModelLoadError) {
    await res.body?.cancel().catch(() => undefined);
    throw whole;
  }
  const chunks: Uint8Array[] = [];
  // With an unknown size the bar cannot move honestly: total is reported once the body ends.
  const total = known ?? 0;
  opts.onProgress?.({ status: 'initiate', file: spec.url, total });
  const overallOffset = opts.overall?.offset ?? 0;
  const overallTotal = opts.overall?.total ?? total;
  let lastEmitted = -1;
  const emit = (force: boolean): void => {
    if (!opts.onProgress || known === undefined) return;
    // At most ~1000 events per file: per-chunk messages from a worker add up for big files.
    const step = Math.max(1, Math.floor(known / 1000));
    if (!force && loaded - lastEmitted < step) return;
    lastEmitted = loaded;
    opts.onProgress({
      status: 'progress',
      file: spec.url,
      loaded,
      total: known,
      progress: known > 0 ? (100 * loaded) / known : 100,
      overallLoaded: overallOffset + loaded,
      overallTotal,
    });
  };

  if (!res.body) throw new ModelLoadError('network', `Empty response body for ${spec.url}`, spec.url);
  const reader = res.body.getReader();
  for (;;) {
    let part: ReadableStreamReadResult<Uint8Array>;
    try {
      part = await withDeadline(reader.read(), stallMs, stalled);
    } catch (e) {
      if (e instanceof ModelLoadError) {
        await reader.cancel().catch(() => undefined);
        throw e;
      }
      throw new ModelLoadError(
        'network',
        `Download of ${spec.url} broke off after ${loaded}${known !== undefined ? ` of ${known}` : ''} bytes: ${String(e)}`,
        spec.url,
        { cause: e },
      );
    }
    if (part.done) break;
    if (known !== undefined && loaded + part.value.byteLength > known) {
      await reader.cancel().catch(() => undefined);
      throw new ModelLoadError(
        'checksum',
        `${spec.url} is larger than the manifest says (more than ${known} bytes): wrong file on the server.`,
        spec.url,
      );
    }
    if (whole) whole.set(part.value, loaded);
    else chunks.push(part.value);
    loaded += part.value.byteLength;
    emit(false);
  }
  if (known !== undefined && loaded < known) {
    throw new ModelLoadError('truncated', `${spec.url} is truncated: received ${loaded} of ${known} bytes.`, spec.url);
  }
  if (loaded === 0) throw new ModelLoadError('truncated', `${spec.url} is empty (0 bytes).`, spec.url);
  if (known === undefined) {
    opts.onProgress?.({
      status: 'progress',
      file: spec.url,
      loaded,
      total: loaded,
      progress: 100,
      overallLoaded: overallOffset + loaded,
      overallTotal: overallTotal === 0 ? loaded : overallTotal,
    });
  } else if (lastEmitted !== loaded) {
    emit(true);
  }
  if (whole) return whole;
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}
