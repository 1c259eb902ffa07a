/**
 * A head with a pooled output (manifest head.pooled, test/fixtures/models/tiny-pooled): the
 * engine fetches and checks the classifier file, returns the pooled vector (matching Python's
 * onnxruntime), and with a tuned layer set also returns its probabilities.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { ModelCache } from '../../src/model/cache.ts';
import { InferenceEngine } from '../../src/model/engine.ts';
import type { InitMessage } from '../../src/model/protocol.ts';
import { predictLayer } from '../../src/calibration/fit.ts';

const DIR = resolve('test/fixtures/models/tiny-pooled');
const BASE = 'https://app.example/models/tiny-pooled/';
const reference = (JSON.parse(readFileSync(`${DIR}/reference-output.json`, 'utf8')) as Record<string, { one_second: { probabilities: number[]; pooled: number[] } }>)
  .fp32.one_second;
const input = new Float32Array(readFileSync(`${DIR}/reference-input.f32`).buffer.slice(0));

function serve(overrides: Record<string, Uint8Array> = {}) {
  const calls: string[] = [];
  const f: typeof fetch = async (req) => {
    const name = String(req).slice(BASE.length);
    calls.push(name);
    return new Response(new Uint8Array(overrides[name] ?? readFileSync(`${DIR}/${name}`)));
  };
  return { f, calls };
}

const init: InitMessage = {
  type: 'init',
  manifestUrl: `${BASE}manifest.json`,
  preference: 'wasm',
  wasmPaths: resolve('node_modules/onnxruntime-web/dist') + '/',
  modelOrigins: ['https://app.example'],
};
const deps = (f: typeof fetch) => ({ ort, cache: new ModelCache(null), fetch: f, gpu: undefined, crossOriginIsolated: false, hardwareConcurrency: 2 });
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

describe('InferenceEngine with head.pooled (tiny-pooled fixture, real onnxruntime-web WASM)', () => {
  test('pooled output matches Python; the classifier file reproduces the head; a tuned layer adds tuned probabilities', async () => {
    const net = serve();
    const engine = await InferenceEngine.load(init, deps(net.f));
    try {
      expect(net.calls).toEqual(['manifest.json', 'head.onnx', 'classifier.f32', 'upstream.fp32.onnx']);
      const r = await engine.classify(input);
      expect(maxDiff(r.probabilities, reference.probabilities)).toBeLessThan(1e-5);
      expect(r.pooled).toBeInstanceOf(Float32Array);
      expect(maxDiff(r.pooled as Float32Array, reference.pooled)).toBeLessThan(1e-5);
      expect(r.tunedProbabilities).toBeUndefined();
      const shipped = engine.classifier;
      if (!shipped) throw new Error('no classifier');
      // softmax(W pooled + b) with the file's layer is the head's own output.
      expect(maxDiff(predictLayer(shipped, r.pooled as Float32Array), r.probabilities)).toBeLessThan(1e-5);

      // Three examples of class 3 pull the tuned layer toward it.
      const x = new Float32Array([...reference.pooled, ...reference.pooled, ...reference.pooled]);
      const tuned = engine.fit(x, new Int32Array([3, 3, 3]), { method: 'linear', l2: 0.1, steps: 200, lr: 1 });
      engine.setTuned(tuned);
      const t = await engine.classify(input);
      const tp = t.tunedProbabilities as Float32Array;
      expect(tp[3]).toBeGreaterThan(t.probabilities[3] + 0.2);
      expect(maxDiff(t.probabilities, reference.probabilities)).toBeLessThan(1e-5); // untuned ones unchanged
      engine.setTuned(null);
      expect((await engine.classify(input)).tunedProbabilities).toBeUndefined();
      expect(() => engine.setTuned({ ...tuned, dim: 7 })).toThrow(RangeError);
    } finally {
      await engine.release();
    }
  });

  test('a classifier file that fails its SHA-256 check is refused', async () => {
    const bad = new Uint8Array(readFileSync(`${DIR}/classifier.f32`));
    bad[0] ^= 1;
    await expect(InferenceEngine.load(init, deps(serve({ 'classifier.f32': bad }).f))).rejects.toMatchObject({ name: 'ModelLoadError' });
  });
});
