import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ModelCache } from '../../src/model/cache.ts';
import { ModelLoadError } from '../../src/model/errors.ts';
import { loadManifest, resolveModelUrl, validateManifest, type Manifest } from '../../src/model/manifest.ts';

const FIXTURE = 'test/fixtures/models/tiny/manifest.json';
const valid = (): Manifest => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Manifest;

/** The ModelLoadError thrown by `fn` (fails the test when nothing is thrown). */
function errorOf(fn: () => unknown): ModelLoadError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelLoadError);
    return e as ModelLoadError;
  }
  throw new Error('expected a ModelLoadError');
}

describe('validateManifest', () => {
  test('the tiny fixture manifest is valid', () => {
    const m = validateManifest(valid());
    expect(m.labels).toEqual(['anger', 'happiness', 'neutral', 'sadness']);
    expect(m.upstream.variants.map((v) => v.id)).toEqual(['fp32']);
  });

  test('file sizes are bounded: bytes = 2^53-1 is refused naming the field and the manifest', () => {
    const m = valid();
    m.head.bytes = 2 ** 53 - 1;
    const e = errorOf(() => validateManifest(m, 'https://app.example/models/x/manifest.json'));
    expect(e.code).toBe('invalid-manifest');
    expect(e.message).toContain('https://app.example/models/x/manifest.json');
    expect(e.message).toContain('manifest.head.bytes: must be <= 4294967296');
  });

  test('free-form fields are bounded: a metrics.config nested 2,000 levels deep is refused', () => {
    const metrics = {
      protocol: 'loso', dataset: 'emodb', classes: ['a', 'b'], folds: [{ group: '03', n_test: 1, accuracy: 1, uar: 1 }],
      mean_accuracy: 1, std_accuracy: 0, mean_uar: 1, confusion: [[1, 0], [0, 1]],
    };
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = { a: deep };
    const ok = { ...valid(), metrics: { ...metrics, config: { lr: 1e-4, pooling: 'corrap', layers: [1, 2] } } };
    expect(() => validateManifest(ok)).not.toThrow();
    const e = errorOf(() => validateManifest({ ...valid(), metrics: { ...metrics, config: { x: deep } } }));
    expect(e.message).toContain('manifest.metrics.config.x');
    // metrics and folds take no unknown fields
    expect(errorOf(() => validateManifest({ ...valid(), metrics: { ...metrics, extra: { a: {} } } })).code).toBe('invalid-manifest');
    expect(errorOf(() => validateManifest({ ...valid(), metrics: { ...metrics, folds: [{ ...metrics.folds[0], x: [deep] }] } })).code).toBe('invalid-manifest');
  });

  test('a missing field is named', () => {
    const m = valid() as unknown as { upstream: Record<string, unknown> };
    delete m.upstream['min_samples'];
    const e = errorOf(() => validateManifest(m));
    expect(e.code).toBe('invalid-manifest');
    expect(e.message).toContain('manifest.upstream.min_samples: is required');
  });

  test('a wrong type is named', () => {
    const m = { ...valid(), labels: 'anger' };
    const e = errorOf(() => validateManifest(m));
    expect(e.message).toContain('manifest.labels: must be array');
  });

  test('a bad sha256 is named, down to the variant index', () => {
    const m = valid();
    m.upstream.variants[0].sha256 = 'ABC';
    m.head.sha256 = 'z'.repeat(64);
    const e = errorOf(() => validateManifest(m));
    expect(e.message).toContain('manifest.upstream.variants.0.sha256: must match pattern');
    expect(e.message).toContain('manifest.head.sha256: must match pattern');
  });

  test('unknown fields, escaping paths and duplicate variant ids are rejected', () => {
    const extra = { ...valid(), colour: 'red' };
    expect(errorOf(() => validateManifest(extra)).message).toContain('manifest.colour: is not an allowed field');
    const escape = valid();
    escape.head.file = '../secret.onnx';
    expect(errorOf(() => validateManifest(escape)).message).toContain('manifest.head.file');
    const dup = valid();
    dup.upstream.variants.push({ ...dup.upstream.variants[0] });
    expect(errorOf(() => validateManifest(dup)).message).toContain('duplicate id "fp32"');
  });

  test('non-objects are rejected', () => {
    expect(errorOf(() => validateManifest(null)).message).toContain('manifest: must be object');
    expect(errorOf(() => validateManifest([])).code).toBe('invalid-manifest');
  });
});

describe('generated validator', () => {
  test('is up to date with schemas/manifest.schema.json', () => {
    // Throws (exit code 1) when stale: regenerate with node scripts/gen-manifest-validator.mjs
    execFileSync('node', ['scripts/gen-manifest-validator.mjs', '--check'], { stdio: 'pipe' });
  });

  test('the check notices a changed schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    const schema = JSON.parse(readFileSync('schemas/manifest.schema.json', 'utf8')) as { required: string[] };
    schema.required = [...schema.required, 'extra_field'];
    writeFileSync(join(dir, 's.json'), JSON.stringify(schema));
    expect(() =>
      execFileSync('node', ['scripts/gen-manifest-validator.mjs', '--check', `--schema=${join(dir, 's.json')}`], { stdio: 'pipe' }),
    ).toThrow();
  });

  test('contains no eval-like code (the app CSP has no unsafe-eval)', () => {
    const code = readFileSync('src/model/manifest-validator.generated.js', 'utf8');
    expect(code).not.toMatch(/\bnew Function\b|\beval\(|\brequire\(/);
  });
});

describe('loadManifest and URLs', () => {
  const base = 'https://cdn.example/app/models/tiny/manifest.json';

  test('files resolve relative to the manifest URL', () => {
    expect(resolveModelUrl('upstream.fp32.onnx', base)).toBe('https://cdn.example/app/models/tiny/upstream.fp32.onnx');
    expect(resolveModelUrl('sub/head.onnx', base)).toBe('https://cdn.example/app/models/tiny/sub/head.onnx');
  });

  const serve = (status: number, body: string): typeof fetch => async () => new Response(body, { status });

  test('a manifest that never arrives (stalled body) ends in a timeout; an oversized one is refused', async () => {
    const stalled: typeof fetch = async () =>
      new Response(new ReadableStream<Uint8Array>({ pull: () => new Promise<void>(() => undefined) }), { status: 200 });
    await expect(loadManifest(base, { fetch: stalled, timeoutMs: 100 })).rejects.toMatchObject({ code: 'timeout', url: base });
    const huge: typeof fetch = async () => new Response(' '.repeat((1 << 20) + 1));
    await expect(loadManifest(base, { fetch: huge })).rejects.toMatchObject({ code: 'invalid-manifest', message: /larger than 1048576 bytes/ });
  });

  test('a relative manifest URL resolves against the base', async () => {
    const seen: string[] = [];
    const fetchMock: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(readFileSync(FIXTURE, 'utf8'));
    };
    const loaded = await loadManifest('models/tiny/manifest.json', { base: 'https://cdn.example/app/index.html', fetch: fetchMock });
    expect(seen).toEqual([base]);
    expect(loaded.url).toBe(base);
    expect(loaded.manifest.name).toBe('tiny-test-fixture');
  });

  test('offline: the manifest cached by the last good load is used; a 404 is not masked', async () => {
    const store = new Map<string, Uint8Array>();
    const cache = new ModelCache({
      open: async () => ({
        match: async (u: string) => (store.has(u) ? new Response(store.get(u)!.slice()) : undefined),
        put: async (u: string, r: Response) => void store.set(u, new Uint8Array(await r.arrayBuffer())),
        delete: async (u: string) => store.delete(u),
      }),
    });
    const offline: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(loadManifest(base, { fetch: offline, cache })).rejects.toMatchObject({ code: 'network' });
    await loadManifest(base, { fetch: serve(200, readFileSync(FIXTURE, 'utf8')), cache });
    expect((await loadManifest(base, { fetch: offline, cache })).manifest.name).toBe('tiny-test-fixture');
    await expect(loadManifest(base, { fetch: serve(404, ''), cache })).rejects.toMatchObject({ code: 'not-found' });
  });

  test('404, invalid JSON, schema failure and network failure have distinct codes', async () => {
    const codeOf = async (f: typeof fetch): Promise<string> => {
      try {
        await loadManifest(base, { fetch: f });
      } catch (e) {
        return (e as ModelLoadError).code;
      }
      return 'no error';
    };
    expect(await codeOf(serve(404, 'nope'))).toBe('not-found');
    expect(await codeOf(serve(200, '{"name": '))).toBe('invalid-manifest');
    expect(await codeOf(serve(200, '{"name": "x"}'))).toBe('invalid-manifest');
    expect(await codeOf(serve(500, ''))).toBe('network');
    expect(
      await codeOf(async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).toBe('network');
  });
});
