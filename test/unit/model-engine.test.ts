import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { type CacheLike, ModelCache } from '../../src/model/cache.ts';
import { type EngineDeps, InferenceEngine } from '../../src/model/engine.ts';
import type { BackendChoice } from '../../src/model/backend.ts';
import type { LoadProgress } from '../../src/model/progress.ts';
import type { InitMessage } from '../../src/model/protocol.ts';

const DIR = resolve('test/fixtures/models/tiny');
const BASE = 'https://app.example/models/tiny/';
const reference = (JSON.parse(readFileSync(`${DIR}/reference-output.json`, 'utf8')) as Record<string, { one_second: { probabilities: number[] } }>)[
  'fp32'
];
const input = new Float32Array(readFileSync(`${DIR}/reference-input.f32`).buffer.slice(0));
const WASM_PATHS = resolve('node_modules/onnxruntime-web/dist') + '/';

/** Serves the fixture folder under BASE and counts requests per file. */
function fixtureFetch() {
  const calls: string[] = [];
  const f: typeof fetch = async (req) => {
    const url = String(req);
    calls.push(url.slice(BASE.length));
    try {
      return new Response(readFileSync(`${DIR}/${url.slice(BASE.length)}`));
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
  return { f, calls };
}

class MemoryCache implements CacheLike {
  readonly entries = new Map<string, Uint8Array>();
  async match(url: string) {
    const b = this.entries.get(url);
    return b ? new Response(b.slice()) : undefined;
  }
  async put(url: string, res: Response) {
    this.entries.set(url, new Uint8Array(await res.arrayBuffer()));
  }
  async delete(url: string) {
    return this.entries.delete(url);
  }
}

/** A GPU whose adapter looks like real hardware (Node's ORT has no WebGPU EP, so sessions fail). */
const hardwareGpu = {
  requestAdapter: async () => ({
    info: { vendor: 'nvidia', architecture: 'ada-lovelace', description: '', isFallbackAdapter: false },
    features: new Set<string>(),
  }),
} as unknown as GPU;

const init = (preference: InitMessage['preference']): InitMessage => ({
  type: 'init',
  manifestUrl: `${BASE}manifest.json`,
  preference,
  wasmPaths: WASM_PATHS,
});

function deps(over: Partial<EngineDeps>): EngineDeps {
  return { ort, cache: new ModelCache(null), gpu: undefined, crossOriginIsolated: false, hardwareConcurrency: 2, ...over };
}

const maxDiff = (a: Float32Array, b: number[]) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('InferenceEngine (real onnxruntime-web WASM in Node, tiny fixture)', () => {
  test('auto without WebGPU: WASM, progress ends with ready, output matches Python; second load from cache', async () => {
    const store = new MemoryCache();
    const net = fixtureFetch();
    const events: LoadProgress[] = [];
    const engine = await InferenceEngine.load(init('auto'), deps({ fetch: net.f, cache: new ModelCache({ open: async () => store }), onProgress: (e) => events.push(e) }));
    expect(engine.choice).toMatchObject({ backend: 'wasm', variant: 'fp32', threads: 1 });
    expect(engine.choice.reason).toContain('no WebGPU adapter');
    expect(events.at(-1)).toEqual({ status: 'ready', backend: 'wasm', variant: 'fp32' });
    const overall = events.flatMap((e) => (e.status === 'progress' ? [e] : []));
    expect(overall.at(-1)?.overallLoaded).toBe(overall.at(-1)?.overallTotal);
    const r = await engine.classify(input);
    expect(r.backend).toBe('wasm');
    expect(maxDiff(r.probabilities, reference.one_second.probabilities)).toBeLessThan(1e-5);
    await engine.release();
    expect(net.calls).toEqual(['manifest.json', 'head.onnx', 'upstream.fp32.onnx']);

    const again = fixtureFetch();
    const cached = await InferenceEngine.load(init('auto'), deps({ fetch: again.f, cache: new ModelCache({ open: async () => store }) }));
    expect(again.calls).toEqual(['manifest.json']);
    await cached.release();
  });

  test('WebGPU chosen on a hardware adapter but session creation fails: falls back to WASM with the reason', async () => {
    const engine = await InferenceEngine.load(init('auto'), deps({ fetch: fixtureFetch().f, gpu: hardwareGpu }));
    const choice: BackendChoice = engine.choice;
    expect(choice.backend).toBe('wasm');
    expect(choice.reason).toMatch(/^WebGPU failed \(.+\); using WASM$/);
    expect(choice.adapter).toEqual({ vendor: 'nvidia', architecture: 'ada-lovelace', fallback: false });
    const r = await engine.classify(input);
    expect(maxDiff(r.probabilities, reference.one_second.probabilities)).toBeLessThan(1e-5);
    await engine.release();
  });

  test('a missing model file fails with not-found naming the file', async () => {
    const f: typeof fetch = async (req) =>
      String(req).endsWith('head.onnx') ? new Response('', { status: 404 }) : fixtureFetch().f(req);
    await expect(InferenceEngine.load(init('wasm'), deps({ fetch: f }))).rejects.toMatchObject({
      code: 'not-found',
      url: `${BASE}head.onnx`,
    });
  });
});
