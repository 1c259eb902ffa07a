/** The model origin policy (issue 17.2): parsing, the check before fetches, the build-time list. */
import { describe, expect, test } from 'vitest';
import { configuredModelOrigins } from '../../build-plugins/model-origins';
import { contentSecurityPolicy, cspValue } from '../../build-plugins/csp';
import { ModelCache } from '../../src/model/cache';
import { fetchModelFile } from '../../src/model/fetch-model';
import { checkModelOrigin, parseModelOrigin, parseOriginList } from '../../src/model/origin-policy';
import { parseOriginsOption } from '../../src/embed/validate';

describe('model origin policy', () => {
  test('origins are exact http(s) origins; lists split on commas and spaces', () => {
    expect(parseModelOrigin('https://models.example/')).toBe('https://models.example');
    expect(parseOriginList(' https://a.example, http://127.0.0.1:8080  https://a.example ')).toEqual(['https://a.example', 'http://127.0.0.1:8080']);
    for (const bad of ['*', 'https://*.example', 'https://a.example/models/', 'ftp://a.example', 'https://u:p@a.example', 'a.example']) {
      expect(() => parseModelOrigin(bad), bad).toThrow(TypeError);
    }
  });

  test('the check names the refused URL and origin; protocol-relative and other schemes/ports count as cross-origin', () => {
    const allowed = ['http://app.example'];
    expect(() => checkModelOrigin('http://app.example/models/m.json', allowed, 'model manifest')).not.toThrow();
    const page = 'http://app.example/index.html';
    for (const raw of ['//evil.example/m.json', 'https://app.example/m.json', 'http://app.example:8080/m.json', 'http://evil.example/m.json']) {
      const url = new URL(raw, page).href;
      expect(() => checkModelOrigin(url, allowed, 'model manifest'), raw).toThrow(
        expect.objectContaining({ code: 'forbidden-origin', url, message: expect.stringContaining(`not from ${new URL(url).origin}`) }),
      );
    }
  });

  test('fetchModelFile refuses a file on another origin before the cache or the network', async () => {
    let fetched = 0;
    let cacheRead = 0;
    const cache = new ModelCache({
      open: async () => ({
        match: async () => {
          cacheRead++;
          return undefined;
        },
        put: async () => undefined,
        delete: async () => false,
      }),
    });
    const spy: typeof fetch = async () => {
      fetched++;
      return new Response('x');
    };
    const spec = { url: 'https://evil.example/upstream.onnx', sha256: '0'.repeat(64), bytes: 1 };
    await expect(fetchModelFile(spec, { cache, fetch: spy, allowedOrigins: ['https://app.example'] })).rejects.toMatchObject({ code: 'forbidden-origin' });
    expect([fetched, cacheRead]).toEqual([0, 0]);
  });

  test('the embed option takes an array or the attribute string; bad entries are invalid options', () => {
    expect(parseOriginsOption('modelOrigins', ['https://m.example'])).toEqual(['https://m.example']);
    expect(parseOriginsOption('modelOrigins', 'https://a.example https://b.example')).toEqual(['https://a.example', 'https://b.example']);
    expect(() => parseOriginsOption('modelOrigins', ['*'])).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    expect(() => parseOriginsOption('modelOrigins', 42)).toThrow(expect.objectContaining({ code: 'invalid-option' }));
  });

  test('build time: SER_MODEL_ORIGINS is validated (a typo fails the build) and added to connect-src', () => {
    expect(configuredModelOrigins(undefined)).toEqual([]);
    expect(configuredModelOrigins('https://models.example')).toEqual(['https://models.example']);
    expect(() => configuredModelOrigins('https://models.example/path')).toThrow(/SER_MODEL_ORIGINS: not an exact http\(s\) origin/);
    expect(cspValue()).toContain("connect-src 'self';");
    const plugin = contentSecurityPolicy(['https://models.example']);
    const tags = (plugin.transformIndexHtml as unknown as () => { attrs: { content: string } }[])();
    expect(tags[0].attrs.content).toContain("connect-src 'self' https://models.example;");
  });
});
