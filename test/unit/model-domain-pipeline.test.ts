/**
 * A domain-normalised model through the real pipeline and engine (onnxruntime-web WASM in
 * Node): utterances classified in order match training/predict.py --segments (the fixture's
 * reference-segments.json); previews, epochs and a retried run do not disturb the estimate.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { ModelCache } from '../../src/model/cache.ts';
import { parsePrior } from '../../src/model/domain-norm.ts';
import { SessionStats } from '../../src/model/domain-session.ts';
import { type EngineDeps, InferenceEngine, type OrtModule, buildPipeline } from '../../src/model/engine.ts';
import { validateManifest } from '../../src/model/manifest.ts';
import { EmotionPipeline, type SessionLike, sessionOptions } from '../../src/model/pipeline.ts';
import type { LoadProgress } from '../../src/model/progress.ts';
import type { InitMessage } from '../../src/model/protocol.ts';

const DIR = resolve('test/fixtures/models/tiny-domain');
const PLAIN = resolve('test/fixtures/models/tiny');
const BASE = 'https://app.example/models/tiny-domain/';
const manifest = validateManifest(JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')));
const ref = JSON.parse(readFileSync(`${DIR}/reference-segments.json`, 'utf8')) as {
  segments: { start: number; end: number; probabilities: number[]; adapted_on: number }[];
};
const wave = new Float32Array(readFileSync(`${PLAIN}/reference-input.f32`).buffer.slice(0));
const segment = (k: number) => wave.slice(ref.segments[k].start, ref.segments[k].end);
const maxDiff = (a: Float32Array, b: number[]) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = resolve('node_modules/onnxruntime-web/dist') + '/';

function session(): SessionStats {
  const { num_layers: layers, dim } = manifest.upstream;
  const dn = manifest.domain_normalization!;
  const prior = parsePrior(readFileSync(`${DIR}/${dn.prior.file}`), layers, dim, dn.prior.file);
  return new SessionStats({ prior, priorFrames: dn.prior_frames, stdFloor: dn.std_floor, layers, dim });
}

const pipeline = (domain: SessionStats | null, headDir = DIR) =>
  buildPipeline(ort, manifest, 'wasm', readFileSync(`${DIR}/upstream.fp32.onnx`), readFileSync(`${headDir}/head.onnx`), domain);

describe('EmotionPipeline with domain normalisation', () => {
  test('utterances in order match predict --segments within 1e-5; provisional runs and warm-up do not count', async () => {
    const domain = session();
    const p = await pipeline(domain);
    await p.warmUp();
    for (let k = 0; k < ref.segments.length; k++) {
      // a provisional preview of the same audio first: it must not add to the estimate
      const provisional = await p.classify(segment(k), { commit: false, epoch: 0 });
      const r = await p.classify(segment(k), { commit: true, epoch: 0 });
      expect(maxDiff(provisional.probabilities, ref.segments[k].probabilities)).toBeLessThan(1e-5);
      expect(maxDiff(r.probabilities, ref.segments[k].probabilities)).toBeLessThan(1e-5);
      expect(r.adaptation).toEqual({ utterances: ref.segments[k].adapted_on, epoch: 0 });
    }
    expect(domain.utterances).toBe(3);
    // Reset (a new epoch): the next utterance is normalised like a first one.
    const again = await p.classify(segment(0), { commit: true, epoch: 1 });
    expect(again.adaptation).toEqual({ utterances: 1, epoch: 1 });
    expect(maxDiff(again.probabilities, ref.segments[0].probabilities)).toBeLessThan(1e-5);
    await p.release();
  });

  test('hidden states stay on the CPU for a domain-normalised model (their frame sums are taken there)', () => {
    expect(sessionOptions('webgpu', 'upstream', false).preferredOutputLocation).toBeUndefined();
    expect(sessionOptions('webgpu', 'upstream').preferredOutputLocation).toEqual({ hidden_states: 'gpu-buffer' });
  });

  test('a head and a manifest that disagree about domain inputs are refused at load', async () => {
    await expect(pipeline(null)).rejects.toMatchObject({
      code: 'session',
      message: expect.stringContaining('the head model takes [hidden_states, domain_mean, domain_std], but the manifest has no domain_normalization'),
    });
    // tiny's head has D=8, but the names are what is checked here
    const fake = (inputs: string[], outputs: string[]): SessionLike => ({ inputNames: inputs, outputNames: outputs, run: async () => ({}), release: async () => {} });
    const sessions = [fake(['waveform'], ['hidden_states']), fake(['hidden_states'], ['probabilities'])];
    await expect(
      EmotionPipeline.create({
        backend: 'wasm',
        upstream: new Uint8Array(1),
        head: new Uint8Array(1),
        minSamples: 400,
        numClasses: 4,
        createSession: async () => sessions.shift()!,
        makeTensor: (d, dims) => new ort.Tensor('float32', d, [...dims]),
        domain: session(),
      }),
    ).rejects.toThrow('the manifest has domain_normalization, so the head model must have inputs "domain_mean" and "domain_std"; it has inputs [hidden_states]');
  });
});

/** Serves the fixture folder under BASE, optionally replacing files. */
function fixtureFetch(replace: Record<string, Uint8Array<ArrayBuffer>> = {}) {
  const calls: string[] = [];
  const f: typeof fetch = async (req) => {
    const name = String(req).slice(BASE.length);
    calls.push(name);
    if (replace[name]) return new Response(replace[name]);
    try {
      return new Response(readFileSync(`${DIR}/${name}`));
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
  return { f, calls };
}

const init: InitMessage = { type: 'init', manifestUrl: `${BASE}manifest.json`, preference: 'wasm', wasmPaths: resolve('node_modules/onnxruntime-web/dist') + '/', modelOrigins: ['https://app.example'] };
const deps = (over: Partial<EngineDeps>): EngineDeps => ({ ort, cache: new ModelCache(null), gpu: undefined, crossOriginIsolated: false, hardwareConcurrency: 2, ...over });

describe('InferenceEngine with domain normalisation', () => {
  test('fetches and verifies the prior like the other files (counted in the progress total); final requests adapt', async () => {
    const net = fixtureFetch();
    const events: LoadProgress[] = [];
    const engine = await InferenceEngine.load(init, deps({ fetch: net.f, onProgress: (e) => events.push(e) }));
    expect(net.calls).toEqual(['manifest.json', 'head.onnx', 'domain-prior.f32', 'upstream.fp32.onnx']);
    const progress = events.flatMap((e) => (e.status === 'progress' ? [e] : []));
    const total = manifest.head.bytes + manifest.domain_normalization!.prior.bytes + manifest.upstream.variants[0].bytes;
    expect(progress.at(-1)).toMatchObject({ overallLoaded: total, overallTotal: total });
    for (let k = 0; k < ref.segments.length; k++) {
      const r = await engine.classify(segment(k), { commit: true, epoch: 0 });
      expect(maxDiff(r.probabilities, ref.segments[k].probabilities)).toBeLessThan(1e-5);
      expect(r.adaptation?.utterances).toBe(k + 1);
    }
    await engine.release();
  });

  test('a prior file whose size does not fit L x D is refused with an error naming it', async () => {
    // A consistent manifest entry (size and hash) for a prior of the wrong shape.
    const bad = new Uint8Array(40);
    const sha = Buffer.from(await crypto.subtle.digest('SHA-256', bad)).toString('hex');
    const m = JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8'));
    m.domain_normalization.prior = { file: 'domain-prior.f32', bytes: 40, sha256: sha };
    const net = fixtureFetch({ 'manifest.json': new TextEncoder().encode(JSON.stringify(m)), 'domain-prior.f32': bad });
    await expect(InferenceEngine.load(init, deps({ fetch: net.f }))).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'invalid-manifest',
      url: `${BASE}domain-prior.f32`,
      message: expect.stringContaining(`${BASE}domain-prior.f32 has 40 bytes; a model with 3 layers x 64 channels needs 2 x 3 x 64 float32 = 1536 bytes`),
    });
  });

  test('a WebGPU head run that fails is retried on WASM without counting the utterance twice', async () => {
    let failHead = false;
    const module = {
      env: { wasm: ort.env.wasm, webgpu: { device: Promise.reject(new Error('no device')), adapter: undefined }, logLevel: 'warning' },
      Tensor: ort.Tensor,
      InferenceSession: {
        async create(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions) {
          const ep = String(options.executionProviders?.[0]);
          const real = await ort.InferenceSession.create(bytes, { ...options, executionProviders: ['wasm'] });
          if (ep !== 'webgpu') return real;
          return {
            inputNames: real.inputNames,
            outputNames: real.outputNames,
            release: () => real.release(),
            run: async (feeds: Record<string, ort.Tensor>) => {
              if (failHead && 'domain_mean' in feeds) throw new Error('WebGPU kernel failed');
              return real.run(feeds);
            },
          };
        },
      },
    };
    module.env.webgpu.device.catch(() => undefined);
    const gpu = {
      requestAdapter: async () => ({ info: { vendor: 'nvidia', architecture: 'ada', description: '', isFallbackAdapter: false }, features: new Set<string>() }),
    } as unknown as GPU;
    const engine = await InferenceEngine.load({ ...init, preference: 'webgpu' }, deps({ ort: module as unknown as OrtModule, fetch: fixtureFetch().f, gpu }));
    expect(engine.choice.backend).toBe('webgpu');
    expect((await engine.classify(segment(0), { commit: true, epoch: 0 })).adaptation?.utterances).toBe(1);
    failHead = true;
    const r = await engine.classify(segment(1), { commit: true, epoch: 0 });
    expect(r.backend).toBe('wasm');
    expect(r.adaptation?.utterances).toBe(2);
    expect(maxDiff(r.probabilities, ref.segments[1].probabilities)).toBeLessThan(1e-5);
    await engine.release();
  });
});
