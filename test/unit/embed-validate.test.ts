import { describe, expect, test } from 'vitest';
import { RecognizerError, parseAudioBlob, parseBackend, parseFolderUrl, parseHttpUrl, parseInputMode, parseOrigin } from '../../src/embed/validate';

const PAGE = 'https://host.example/project/page.html';

function rejection(fn: () => unknown): RecognizerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RecognizerError);
    expect((e as RecognizerError).code).toBe('invalid-option');
    return e as RecognizerError;
  }
  throw new Error('expected a RecognizerError');
}

describe('model / asset URLs', () => {
  test('relative URLs resolve against the page; http(s) pass', () => {
    expect(parseHttpUrl('modelUrl', 'models/x/manifest.json', PAGE)).toBe('https://host.example/project/models/x/manifest.json');
    expect(parseHttpUrl('modelUrl', '  http://cdn.example/m.json ', PAGE)).toBe('http://cdn.example/m.json');
  });

  test.each(['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:application/json,{}', 'blob:https://host.example/1', 'file:///etc/passwd', 'ftp://x/m.json'])(
    'refuses %s with a message naming the option and scheme',
    (raw) => {
      const e = rejection(() => parseHttpUrl('modelUrl', raw, PAGE));
      expect(e.message).toMatch(/^modelUrl must be an http\(s\) URL, got scheme "[a-z]+:"$/);
    },
  );

  test('refuses empty values, non-strings, garbage and credentials', () => {
    expect(rejection(() => parseHttpUrl('modelUrl', '', PAGE)).message).toMatch(/non-empty/);
    expect(rejection(() => parseHttpUrl('modelUrl', 42, PAGE)).message).toMatch(/non-empty URL string/);
    expect(rejection(() => parseHttpUrl('modelUrl', 'http://[bad', PAGE)).message).toMatch(/not a valid URL/);
    expect(rejection(() => parseHttpUrl('modelUrl', 'https://u:p@cdn.example/m.json', PAGE)).message).toMatch(/credentials/);
  });

  test('folders end with a slash and drop query/hash', () => {
    expect(parseFolderUrl('assetBase', 'https://cdn.example/v1/vendor?x=1#y', PAGE)).toBe('https://cdn.example/v1/vendor/');
    expect(parseFolderUrl('assetBase', 'vendor/', PAGE)).toBe('https://host.example/project/vendor/');
  });
});

describe('enumerated options', () => {
  test('input mode defaults to both, accepts the three modes only', () => {
    expect(parseInputMode(null)).toBe('both');
    expect(['mic', 'file', 'both'].map(parseInputMode)).toEqual(['mic', 'file', 'both']);
    expect(rejection(() => parseInputMode('camera')).message).toBe('input must be one of mic, file, both, got "camera"');
  });

  test('backend defaults to auto, accepts auto/webgpu/wasm only', () => {
    expect(parseBackend(undefined)).toBe('auto');
    expect(parseBackend('wasm')).toBe('wasm');
    expect(rejection(() => parseBackend('webgl')).message).toMatch(/backend must be one of auto, webgpu, wasm/);
  });
});

describe('parent origin', () => {
  test('accepts exact http(s) origins (a trailing slash is tolerated)', () => {
    expect(parseOrigin('parent', 'https://host.example')).toBe('https://host.example');
    expect(parseOrigin('parent', 'http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
  });

  test.each(['*', 'null', '', 'https://host.example/path', 'https://host.example?q=1', 'javascript:alert(1)', 'file:///x', 'host.example'])('refuses %j', (raw) => {
    rejection(() => parseOrigin('parent', raw));
  });
});

test('analyse() accepts Blobs and Files only', () => {
  const blob = new Blob([new Uint8Array(4)]);
  expect(parseAudioBlob(blob)).toBe(blob);
  expect(rejection(() => parseAudioBlob('/path/to/file.wav')).message).toMatch(/File or Blob/);
  expect(rejection(() => parseAudioBlob(new Uint8Array(4))).message).toMatch(/File or Blob/);
});
