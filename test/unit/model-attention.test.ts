import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { MAX_ATTENTION_POINTS, binAttention } from '../../src/model/attention.ts';
import { buildPipeline } from '../../src/model/engine.ts';
import { validateManifest } from '../../src/model/manifest.ts';
import { EmotionPipeline, type SessionLike } from '../../src/model/pipeline.ts';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('binAttention', () => {
  test('up to 100 frames: one point per frame, unchanged', () => {
    const w = [0.1, 0.2, 0.3, 0.4];
    expect(binAttention(w, 0.02)).toEqual({ weights: w, framesPerBin: 1, frames: 4, frameS: 0.02 });
    expect(binAttention(new Float32Array(100).fill(0.01), 0.02).weights).toHaveLength(100);
  });

  test.each([
    [101, 2, 51],
    [200, 2, 100],
    [750, 8, 94], // 15 s at a 20-ms hop
    [1001, 11, 91],
  ])('%i frames -> %i frames per bin, %i points (<= 100), sums kept', (frames, perBin, points) => {
    const w = Float32Array.from({ length: frames }, (_, t) => 1 + Math.sin(t));
    const total = w.reduce((a, b) => a + b, 0);
    for (let t = 0; t < frames; t++) w[t] /= total;
    const c = binAttention(w, 0.02);
    expect(c.framesPerBin).toBe(perBin);
    expect(c.weights).toHaveLength(points);
    expect(c.weights.length).toBeLessThanOrEqual(MAX_ATTENTION_POINTS);
    expect(sum(c.weights)).toBeCloseTo(1, 5);
    // bin b is the sum of its frames
    expect(c.weights[1]).toBeCloseTo(sum(Array.from(w.slice(perBin, 2 * perBin))), 7);
  });

  test('refuses empty input', () => {
    expect(() => binAttention([], 0.02)).toThrow(RangeError);
  });
});

/** Fake upstream (T = samples / 100 frames) and head (probabilities + attention as told). */
function sessions(attention: (frames: number) => Float32Array | null, outputNames = ['probabilities', 'attention']) {
  const disposed: string[] = [];
  const tensor = (name: string, data: Float32Array, dims: number[]) => {
    const t = new ort.Tensor('float32', data, dims);
    t.dispose = () => void disposed.push(name);
    return t;
  };
  const upstream: SessionLike = {
    inputNames: ['waveform'],
    outputNames: ['hidden_states'],
    async run(feeds) {
      const frames = feeds['waveform'].dims[1] / 100;
      return { hidden_states: tensor('hidden', new Float32Array(2 * frames), [2, frames, 1]) };
    },
    async release() {},
  };
  const head: SessionLike = {
    inputNames: ['hidden_states'],
    outputNames,
    async run(feeds) {
      const frames = feeds['hidden_states'].dims[1];
      const out: Record<string, ort.Tensor> = { probabilities: tensor('probabilities', Float32Array.from([0.4, 0.6]), [1, 2]) };
      const a = attention(frames);
      if (a) out['attention'] = tensor('attention', a, [a.length]);
      return out;
    },
    async release() {},
  };
  const create = (withAttention: boolean) => {
    const list = [upstream, head];
    return EmotionPipeline.create({
      backend: 'wasm',
      upstream: new Uint8Array(1),
      head: new Uint8Array(1),
      minSamples: 100,
      numClasses: 2,
      createSession: async () => list.shift()!,
      makeTensor: (d, dims) => tensor('input', d, [...dims]),
      attention: withAttention ? { output: 'attention', frameS: 0.02 } : null,
    });
  };
  return { create, disposed };
}

const uniform = (frames: number) => new Float32Array(frames).fill(1 / frames);

describe('EmotionPipeline: the head attention', () => {
  test('declared: passed through binned; every head output is disposed', async () => {
    const fake = sessions(uniform);
    const p = await fake.create(true);
    const out = await p.classify(new Float32Array(300 * 100), { commit: true });
    expect(out.probabilities).toEqual(Float32Array.from([0.4, 0.6]));
    expect(out.attention).toMatchObject({ frames: 300, framesPerBin: 3, frameS: 0.02 });
    expect(out.attention!.weights).toHaveLength(100);
    expect(sum(out.attention!.weights)).toBeCloseTo(1, 5);
    expect(fake.disposed.filter((n) => n === 'attention')).toHaveLength(1);
    expect(fake.disposed.filter((n) => n === 'probabilities')).toHaveLength(1);
  });

  test('not declared: no attention in results, an undeclared output is still freed', async () => {
    const fake = sessions(uniform);
    const p = await fake.create(false);
    const out = await p.classify(new Float32Array(5000), { commit: true });
    expect(out.attention).toBeUndefined();
    expect(fake.disposed).toContain('attention');
  });

  test('declared but the head lacks the output: load fails, naming it', async () => {
    const fake = sessions(() => null, ['probabilities']);
    await expect(fake.create(true)).rejects.toMatchObject({ name: 'ModelLoadError', message: expect.stringMatching(/output "attention"/) });
  });

  test('an attention of the wrong length fails the run', async () => {
    const fake = sessions((frames) => uniform(frames + 1));
    const p = await fake.create(true);
    await expect(p.classify(new Float32Array(5000), { commit: true })).rejects.toMatchObject({
      code: 'run-failed',
      message: expect.stringMatching(/one weight per upstream frame/),
    });
  });
});

describe('tiny-pipeline (CorrAP) on onnxruntime-web (WASM, Node)', () => {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = resolve('node_modules/onnxruntime-web/dist') + '/';
  const DIR = 'test/fixtures/models/tiny-pipeline';

  test('attention matches Python onnxruntime within 1e-6 per frame and sums to 1', async () => {
    const manifest = validateManifest(JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')));
    expect(manifest.head.attention).toEqual({ output: 'attention' });
    const ref = (JSON.parse(readFileSync(`${DIR}/reference-output.json`, 'utf8')) as Record<string, Record<string, { attention: number[] }>>)['fp32'];
    const input = new Float32Array(readFileSync('test/fixtures/models/tiny/reference-input.f32').buffer.slice(0));
    const p = await buildPipeline(ort, manifest, 'wasm', readFileSync(`${DIR}/upstream.fp32.onnx`), readFileSync(`${DIR}/head.onnx`));
    const out = await p.classify(input, { commit: false });
    await p.release();
    const want = ref['one_second'].attention;
    expect(out.attention).toMatchObject({ frames: want.length, framesPerBin: 1, frameS: 0.02 });
    out.attention!.weights.forEach((w, i) => expect(Math.abs(w - want[i])).toBeLessThan(1e-6));
    expect(sum(out.attention!.weights)).toBeCloseTo(1, 5);
  });

  test('one weight per upstream frame for 0.5, 2 and 15 s; binned to <= 100 points', async () => {
    const manifest = validateManifest(JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')));
    const p = await buildPipeline(ort, manifest, 'wasm', readFileSync(`${DIR}/upstream.fp32.onnx`), readFileSync(`${DIR}/head.onnx`));
    try {
      for (const seconds of [0.5, 2, 15]) {
        const samples = seconds * 16000;
        const wave = Float32Array.from({ length: samples }, (_, i) => 0.1 * Math.sin(i * 0.05) * Math.sin(i * 0.0007));
        const a = (await p.classify(wave, { commit: false })).attention!;
        expect(a.frames).toBe(Math.floor((samples - 400) / 320) + 1); // the upstream's frames (hop 320)
        expect(a.weights).toHaveLength(Math.ceil(a.frames / Math.ceil(a.frames / 100)));
        expect(a.weights.length).toBeLessThanOrEqual(100);
        expect(sum(a.weights)).toBeCloseTo(1, 5);
      }
    } finally {
      await p.release();
    }
  });
});
