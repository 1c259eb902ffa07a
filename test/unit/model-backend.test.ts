import { describe, expect, test } from 'vitest';
import {
  type AdapterSummary,
  type VariantInfo,
  chooseVariant,
  decideBackend,
  isSoftwareAdapter,
  parseBackendParam,
  wasmThreads,
} from '../../src/model/backend.ts';

const adapter = (over: Partial<AdapterSummary> = {}): AdapterSummary => ({
  vendor: 'nvidia',
  architecture: 'ada-lovelace',
  description: '',
  fallback: false,
  shaderF16: true,
  features: ['shader-f16'],
  ...over,
});
const swiftshader = adapter({ vendor: 'google', architecture: 'swiftshader', shaderF16: false, features: [] });

describe('isSoftwareAdapter', () => {
  test.each([
    ['hardware', adapter(), false],
    ['isFallbackAdapter', adapter({ fallback: true }), true],
    ['swiftshader', swiftshader, true],
    ['llvmpipe in description', adapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), true],
    ['Microsoft Basic Render Driver', adapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }), true],
    ['empty info (privacy-masked hardware)', adapter({ vendor: '', architecture: '' }), false],
  ])('%s -> %s', (_name, a, expected) => {
    expect(isSoftwareAdapter(a)).toBe(expected);
  });
});

describe('decideBackend', () => {
  test.each([
    ['auto', 'hardware', adapter(), 'webgpu'],
    ['auto', 'software', swiftshader, 'wasm'],
    ['auto', 'none', null, 'wasm'],
    ['webgpu', 'software (forced)', swiftshader, 'webgpu'],
    ['webgpu', 'none (cannot)', null, 'wasm'],
    ['wasm', 'hardware', adapter(), 'wasm'],
  ] as const)('pref %s, adapter %s -> %s', (pref, _label, a, expected) => {
    const d = decideBackend(pref, a);
    expect(d.backend).toBe(expected);
    expect(d.reason.length).toBeGreaterThan(5);
  });

  test('the reason names a software adapter', () => {
    expect(decideBackend('auto', swiftshader).reason).toContain('swiftshader');
  });
});

const v = (id: string, backends: VariantInfo['backends'], requires: string[] = []): VariantInfo => ({ id, backends, requires });
const ALL: VariantInfo[] = [
  v('fp32', ['webgpu', 'wasm']),
  v('fp16', ['webgpu'], ['shader-f16']),
  v('q4', ['webgpu', 'wasm']),
  v('int8', ['wasm']),
];
const F16 = new Set(['shader-f16']);
const NONE = new Set<string>();

describe('chooseVariant', () => {
  test.each([
    ['webgpu with shader-f16', 'webgpu', ALL, F16, undefined, 'fp16'],
    ['webgpu without shader-f16', 'webgpu', ALL, NONE, undefined, 'q4'],
    ['webgpu, only fp32 + fp16, no f16', 'webgpu', [ALL[0], ALL[1]], NONE, undefined, 'fp32'],
    ['wasm prefers int8', 'wasm', ALL, NONE, undefined, 'int8'],
    ['wasm without int8 -> fp32', 'wasm', [ALL[0], ALL[1], ALL[2]], NONE, undefined, 'fp32'],
    ['wasm never takes a webgpu-only variant', 'wasm', [ALL[1]], F16, undefined, undefined],
    ['webgpu never takes a wasm-only variant', 'webgpu', [ALL[3]], F16, undefined, undefined],
    ['requested fp32 on webgpu wins', 'webgpu', ALL, F16, 'fp32', 'fp32'],
    ['requested fp16 without the feature is ignored', 'webgpu', ALL, NONE, 'fp16', 'q4'],
    ['requested unknown id is ignored', 'wasm', ALL, NONE, 'nope', 'int8'],
    ['fp16 without a declared requirement still needs shader-f16', 'webgpu', [v('fp16', ['webgpu']), ALL[0]], NONE, undefined, 'fp32'],
    ['float16 dtype under another id needs shader-f16', 'webgpu', [{ id: 'half', backends: ['webgpu'], requires: [], dtype: 'float16' }], NONE, undefined, undefined],
    ['unknown ids keep manifest order', 'wasm', [v('b', ['wasm']), v('a', ['wasm'])], NONE, undefined, 'b'],
  ] as const)('%s', (_name, backend, variants, features, requested, expected) => {
    expect(chooseVariant(backend, variants, features, requested)).toBe(expected);
  });
});

describe('wasmThreads and parseBackendParam', () => {
  test('threads only with cross-origin isolation, at most 4', () => {
    expect(wasmThreads(false, 16)).toBe(1);
    expect(wasmThreads(true, 16)).toBe(4);
    expect(wasmThreads(true, 2)).toBe(2);
    expect(wasmThreads(true, undefined)).toBe(1);
  });

  test('?backend= override', () => {
    expect(parseBackendParam('?backend=webgpu')).toBe('webgpu');
    expect(parseBackendParam('?model=x&backend=WASM')).toBe('wasm');
    expect(parseBackendParam('?backend=auto')).toBe('auto');
    expect(parseBackendParam('?backend=cuda')).toBeUndefined();
    expect(parseBackendParam('')).toBeUndefined();
  });
});
