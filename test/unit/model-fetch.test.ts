import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { type CacheLike, type CacheStorageLike, ModelCache } from '../../src/model/cache.ts';
import { ModelLoadError } from '../../src/model/errors.ts';
import { fetchModelFile, sha256Hex, type ModelFileSpec } from '../../src/model/fetch-model.ts';
import type { LoadProgress } from '../../src/model/progress.ts';

/** In-memory Cache API stand-in that stores the bytes of each put. */
class MemoryCache implements CacheLike, CacheStorageLike {
  readonly entries = new Map<string, Uint8Array>();
  deletes: string[] = [];
  async open(): Promise<CacheLike> {
    return this;
  }
  async match(url: string): Promise<Response | undefined> {
    const b = this.entries.get(url);
    return b ? new Response(b.slice()) : undefined;
  }
  async put(url: string, res: Response): Promise<void> {
    this.entries.set(url, new Uint8Array(await res.arrayBuffer()));
  }
  async delete(url: string): Promise<boolean> {
    this.deletes.push(url);
    return this.entries.delete(url);
  }
}

const URL_ = 'https://x.example/models/tiny/upstream.fp32.onnx';
const bytes = (n: number): Uint8Array<ArrayBuffer> => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 255;
  return b;
};
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** A fetch that streams `body` in `chunk`-byte pieces; `cut` ends (or `fail` breaks) the stream early. */
function streamingFetch(body: Uint8Array, opts: { chunk?: number; cut?: number; fail?: number; status?: number } = {}) {
  const calls: string[] = [];
  const f: typeof fetch = async (input) => {
    calls.push(String(input));
    if (opts.status && opts.status !== 200) return new Response('err', { status: opts.status });
    const end = opts.cut ?? body.length;
    const chunk = opts.chunk ?? 1000;
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (opts.fail !== undefined && at >= opts.fail) return controller.error(new TypeError('network changed'));
        if (at >= end) return controller.close();
        controller.enqueue(body.slice(at, Math.min(end, at + chunk)));
        at += chunk;
      },
    });
    return new Response(stream, { headers: { 'Content-Length': String(body.length) } });
  };
  return { f, calls };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return (e as ModelLoadError).code;
  }
  return 'no error';
}

describe('fetchModelFile', () => {
  const body = bytes(10_500);
  const spec: ModelFileSpec = { url: URL_, sha256: sha(body), bytes: body.length };

  test('sha256Hex matches node:crypto', async () => {
    expect(await sha256Hex(body)).toBe(sha(body));
  });

  test('progress invariants: loaded never decreases, total constant, last = 100 %', async () => {
    const events: LoadProgress[] = [];
    const { f } = streamingFetch(body, { chunk: 777 });
    const got = await fetchModelFile(spec, {
      cache: new ModelCache(new MemoryCache()),
      fetch: f,
      onProgress: (e) => events.push(e),
      overall: { offset: 500, total: 11_000 },
    });
    expect(got.bytes).toEqual(body);
    expect(events[0]).toEqual({ status: 'initiate', file: URL_, total: body.length });
    expect(events.at(-1)).toMatchObject({ status: 'done', loaded: body.length, total: body.length, fromCache: false });
    const progress = events.filter((e) => e.status === 'progress');
    expect(progress.length).toBeGreaterThan(3);
    let last = -1;
    for (const e of progress) {
      expect(e.total).toBe(body.length);
      expect(e.loaded).toBeGreaterThanOrEqual(last);
      expect(e.overallLoaded).toBe(500 + e.loaded);
      expect(e.overallTotal).toBe(11_000);
      last = e.loaded;
    }
    expect(progress.at(-1)).toMatchObject({ loaded: body.length, progress: 100, overallLoaded: 11_000 });
  });

  test('second load comes from the cache without network', async () => {
    const store = new MemoryCache();
    const first = streamingFetch(body);
    await fetchModelFile(spec, { cache: new ModelCache(store), fetch: first.f });
    expect(store.entries.get(URL_)).toEqual(body);
    const second = streamingFetch(body);
    const events: LoadProgress[] = [];
    const got = await fetchModelFile(spec, { cache: new ModelCache(store), fetch: second.f, onProgress: (e) => events.push(e) });
    expect(got.fromCache).toBe(true);
    expect(got.bytes).toEqual(body);
    expect(second.calls).toEqual([]);
    expect(events.map((e) => e.status)).toEqual(['initiate', 'progress', 'done']);
  });

  test('checksum mismatch from the network: typed error, nothing cached', async () => {
    const store = new MemoryCache();
    const wrong = bytes(body.length).map((b) => b ^ 1);
    const code = await codeOf(fetchModelFile(spec, { cache: new ModelCache(store), fetch: streamingFetch(wrong).f }));
    expect(code).toBe('checksum');
    expect(store.entries.has(URL_)).toBe(false);
    expect(store.deletes).toContain(URL_);
  });

  test('a corrupt cache entry is deleted and the file fetched again', async () => {
    const store = new MemoryCache();
    store.entries.set(URL_, body.map((b) => b ^ 0xff));
    const net = streamingFetch(body);
    const got = await fetchModelFile(spec, { cache: new ModelCache(store), fetch: net.f });
    expect(store.deletes).toEqual([URL_]);
    expect(net.calls).toEqual([URL_]);
    expect(got.fromCache).toBe(false);
    expect(store.entries.get(URL_)).toEqual(body);
  });

  test('truncated body is detected and not cached', async () => {
    const store = new MemoryCache();
    const cut = streamingFetch(body, { cut: 4000 });
    const err = fetchModelFile(spec, { cache: new ModelCache(store), fetch: cut.f });
    await expect(err).rejects.toThrow('received 4000 of 10500 bytes');
    expect(await codeOf(fetchModelFile(spec, { cache: new ModelCache(store), fetch: streamingFetch(body, { cut: 4000 }).f }))).toBe(
      'truncated',
    );
    expect(store.entries.size).toBe(0);
  });

  test('larger than the manifest says: checksum error', async () => {
    const big = bytes(body.length + 10);
    expect(await codeOf(fetchModelFile(spec, { cache: new ModelCache(null), fetch: streamingFetch(big).f }))).toBe('checksum');
  });

  test('404 -> not-found, 500 -> network, broken stream -> network, rejected fetch -> network', async () => {
    const cache = new ModelCache(null);
    expect(await codeOf(fetchModelFile(spec, { cache, fetch: streamingFetch(body, { status: 404 }).f }))).toBe('not-found');
    expect(await codeOf(fetchModelFile(spec, { cache, fetch: streamingFetch(body, { status: 500 }).f }))).toBe('network');
    expect(await codeOf(fetchModelFile(spec, { cache, fetch: streamingFetch(body, { fail: 3000 }).f }))).toBe('network');
    const offline: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    expect(await codeOf(fetchModelFile(spec, { cache, fetch: offline }))).toBe('network');
  });

  test('an unusable Cache API falls back to the network', async () => {
    const broken: CacheStorageLike = {
      open: async () => {
        throw new DOMException('denied', 'SecurityError');
      },
    };
    const cache = new ModelCache(broken);
    expect(await cache.available()).toBe(false);
    const got = await fetchModelFile(spec, { cache, fetch: streamingFetch(body).f });
    expect(got.bytes).toEqual(body);
    const throwing: CacheLike = {
      match: async () => {
        throw new Error('quota');
      },
      put: async () => {
        throw new Error('quota');
      },
      delete: async () => {
        throw new Error('quota');
      },
    };
    const got2 = await fetchModelFile(spec, { cache: new ModelCache({ open: async () => throwing }), fetch: streamingFetch(body).f });
    expect(got2.fromCache).toBe(false);
  });

  test('an absurd size (2^53-1) is an error naming the file, before any allocation', async () => {
    const { f } = streamingFetch(body);
    const err = fetchModelFile({ ...spec, bytes: 2 ** 53 - 1 }, { cache: new ModelCache(new MemoryCache()), fetch: f });
    await expect(err).rejects.toMatchObject({ name: 'ModelLoadError', code: 'too-large', url: URL_ });
    await expect(err).rejects.toThrow(`${URL_}: a size of 9007199254740991 bytes`);
  });

  test('a download stalled mid-body ends in a timeout naming the file and the bytes received', async () => {
    let cancelled = false;
    const stalling: typeof fetch = async () => {
      let sent = false;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (!sent) controller.enqueue(body.slice(0, 4000));
          sent = true;
          return new Promise<void>(() => undefined); // the server stops sending, connection open
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(stream, { headers: { 'Content-Length': String(body.length) } });
    };
    const t0 = Date.now();
    const err = fetchModelFile(spec, { cache: new ModelCache(new MemoryCache()), fetch: stalling, stallMs: 200 });
    await expect(err).rejects.toMatchObject({ code: 'timeout', url: URL_ });
    await expect(err).rejects.toThrow('stalled: no data for 0.2 s after 4000 bytes');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(cancelled).toBe(true);
    // headers that never come count too
    const silent: typeof fetch = () => new Promise<Response>(() => undefined);
    expect(await codeOf(fetchModelFile(spec, { cache: new ModelCache(new MemoryCache()), fetch: silent, stallMs: 100 }))).toBe('timeout');
  });
});
