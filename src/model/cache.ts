/**
 * A thin, failure-tolerant wrapper over the Cache API. Some contexts (sandboxed or
 * third-party iframes, private modes, plain http) have no `caches` or throw on use:
 * then every method degrades to "not cached" so loading falls back to the network.
 */

/** The subset of the Cache API that model loading needs (mockable in tests). */
export interface CacheLike {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
  delete(request: string): Promise<boolean>;
}

/** The subset of `CacheStorage` used to open the model cache. */
export interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
}

/** Name of the Cache API bucket that holds model files. */
export const MODEL_CACHE_NAME = 'emotion-models-v1';

/** Model file cache; never throws, every failure means "not cached". */
export class ModelCache {
  private readonly cache: Promise<CacheLike | null>;

  /** @param storage the CacheStorage to use; `null` disables caching. */
  constructor(storage: CacheStorageLike | null, name: string = MODEL_CACHE_NAME) {
    this.cache = storage
      ? storage.open(name).then(
          (c) => c,
          () => null,
        )
      : Promise.resolve(null);
  }

  /** A cache over the global `caches`, or a disabled one where it does not exist. */
  static fromGlobal(): ModelCache {
    let storage: CacheStorageLike | null = null;
    try {
      // Reading `caches` itself throws in some sandboxed iframes.
      storage = typeof caches === 'undefined' ? null : caches;
    } catch {
      storage = null;
    }
    return new ModelCache(storage);
  }

  /** True when the Cache API opened successfully. */
  async available(): Promise<boolean> {
    return (await this.cache) !== null;
  }

  /** The cached response for `url`, or undefined (also when the cache fails). */
  async match(url: string): Promise<Response | undefined> {
    try {
      return (await (await this.cache)?.match(url)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores verified bytes for `url`; false when the cache refused (quota, no API). */
  async put(url: string, bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
    try {
      const c = await this.cache;
      if (!c) return false;
      const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.byteLength) };
      await c.put(url, new Response(bytes, { headers }));
      return true;
    } catch {
      return false;
    }
  }

  /** Removes the entry for `url`; false when there was none or the cache failed. */
  async delete(url: string): Promise<boolean> {
    try {
      return (await (await this.cache)?.delete(url)) ?? false;
    } catch {
      return false;
    }
  }
}
