import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { type CacheLike, ModelCache } from '../../src/model/cache.ts';
import { type EngineDeps, InferenceEngine, type OrtModule } from '../../src/model/engine.ts';
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
  modelOrigins: ['https://app.example'],
});

function deps(over: Partial<EngineDeps>): EngineDeps {
  return { ort, cache: new ModelCache(null), gpu: undefined, crossOriginIsolated: false, hardwareConcurrency: 2, ...over };
}

const maxDiff = (a: Float32Array, b: number[]) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('InferenceEngine (real onnxruntime-web WASM in Node, tiny fixture)', () => {
  test('the origin policy is enforced before any request: a manifest on another origin is refused, nothing fetched', async () => {
    const net = fixtureFetch();
    for (const manifestUrl of ['https://evil.example/m/manifest.json', 'http://app.example/models/tiny/manifest.json']) {
      const err = InferenceEngine.load({ ...init('wasm'), manifestUrl }, deps({ fetch: net.f }));
      await expect(err).rejects.toMatchObject({ name: 'ModelLoadError', code: 'forbidden-origin', url: manifestUrl });
      await expect(err).rejects.toThrow(`models may only come from https://app.example, not from ${new URL(manifestUrl).origin}`);
    }
    expect(net.calls).toEqual([]);
  });

  test('a same-origin manifest redirected to another origin is refused', async () => {
    const redirected: typeof fetch = async () => {
      const res = new Response('{}');
      Object.defineProperty(res, 'url', { value: 'https://evil.example/m.json' });
      return res;
    };
    await expect(InferenceEngine.load(init('wasm'), deps({ fetch: redirected }))).rejects.toMatchObject({ code: 'forbidden-origin', url: 'https://evil.example/m.json' });
  });

  test('auto without WebGPU: WASM, progress ends with ready, output matches Python; later loads from cache, also offline', async () => {
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

    const offline: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    const noNetwork = await InferenceEngine.load(init('auto'), deps({ fetch: offline, cache: new ModelCache({ open: async () => store }) }));
    expect(maxDiff((await noNetwork.classify(input)).probabilities, reference.one_second.probabilities)).toBeLessThan(1e-5);
    await noNetwork.release();
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

/**
 * onnxruntime-web as seen by the engine, where the "webgpu" EP is real WASM underneath but
 * fails once the fake device is lost (or on every run while `state.failRuns`).
 */
function fakeWebGpuOrt() {
  let lose: (info: { reason: string; message: string }) => void = () => undefined;
  const state = { lost: false, failRuns: false, created: [] as string[] };
  const device = {
    lost: new Promise<{ reason: string; message: string }>((r) => (lose = r)),
    destroy() {
      state.lost = true;
      lose({ reason: 'destroyed', message: 'Device was destroyed.' });
    },
  };
  const module = {
    env: { wasm: ort.env.wasm, webgpu: { device: Promise.resolve(device), adapter: undefined }, logLevel: 'warning' },
    Tensor: ort.Tensor,
    InferenceSession: {
      async create(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions) {
        const ep = String(options.executionProviders?.[0]);
        state.created.push(ep);
        const { preferredOutputLocation: _gpuOnly, ...cpuOptions } = options;
        const real = await ort.InferenceSession.create(bytes, { ...cpuOptions, executionProviders: ['wasm'] });
        if (ep !== 'webgpu') return real;
        return {
          inputNames: real.inputNames,
          outputNames: real.outputNames,
          release: () => real.release(),
          async run(feeds: Record<string, ort.Tensor>) {
            if (state.lost) throw new Error('GPUDevice was lost');
            if (state.failRuns) throw new Error('WebGPU kernel failed');
            return real.run(feeds);
          },
        };
      },
    },
  };
  return { ortModule: module as unknown as OrtModule, state };
}

describe('InferenceEngine WebGPU faults (fake WebGPU EP over real WASM)', () => {
  test('device lost: the next request runs on WASM, nothing lost, backend-changed reported', async () => {
    const fake = fakeWebGpuOrt();
    const changes: BackendChoice[] = [];
    const engine = await InferenceEngine.load(
      init('webgpu'),
      deps({ ort: fake.ortModule, fetch: fixtureFetch().f, gpu: hardwareGpu, onBackendChanged: (c) => changes.push(c) }),
    );
    expect(engine.choice.backend).toBe('webgpu');
    expect((await engine.classify(input)).backend).toBe('webgpu');
    await engine.simulateDeviceLost();
    await Promise.resolve();
    const r = await engine.classify(input);
    expect(r.backend).toBe('wasm');
    expect(maxDiff(r.probabilities, reference.one_second.probabilities)).toBeLessThan(1e-5);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ backend: 'wasm', variant: 'fp32' });
    expect(changes[0].reason).toContain('WebGPU device lost (Device was destroyed.)');
    await engine.release();
  });

  test('a failing WebGPU run is retried on WASM for the same request', async () => {
    const fake = fakeWebGpuOrt();
    const changes: BackendChoice[] = [];
    const engine = await InferenceEngine.load(
      init('webgpu'),
      deps({ ort: fake.ortModule, fetch: fixtureFetch().f, gpu: hardwareGpu, onBackendChanged: (c) => changes.push(c) }),
    );
    fake.state.failRuns = true;
    const r = await engine.classify(input);
    expect(r.backend).toBe('wasm');
    expect(maxDiff(r.probabilities, reference.one_second.probabilities)).toBeLessThan(1e-5);
    expect(changes[0].reason).toContain('WebGPU run failed (');
    expect(fake.state.created).toEqual(['webgpu', 'webgpu', 'wasm', 'wasm']);
    await engine.release();
  });
});
