import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { InferenceError } from '../../src/model/errors.ts';
import { EmotionPipeline, prepareWaveform, sessionOptions, type SessionLike } from '../../src/model/pipeline.ts';
import { buildPipeline } from '../../src/model/engine.ts';
import { validateManifest } from '../../src/model/manifest.ts';

const DIR = 'test/fixtures/models/tiny';
const manifest = validateManifest(JSON.parse(readFileSync(`${DIR}/manifest.json`, 'utf8')));
const reference = (
  JSON.parse(readFileSync(`${DIR}/reference-output.json`, 'utf8')) as Record<
    string,
    Record<'one_second' | 'short_300_padded', { probabilities: number[]; hidden_shape: number[] }>
  >
)['fp32'];
const input = new Float32Array(readFileSync(`${DIR}/reference-input.f32`).buffer.slice(0));

/** A fake session pair recording concurrency and disposals. */
function fakeSessions(delayMs: number) {
  const state = { active: 0, maxActive: 0, runs: 0, disposed: 0 };
  const tick = () => new Promise((r) => setTimeout(r, delayMs));
  const tensor = (data: Float32Array, dims: number[]): ort.Tensor => {
    const t = new ort.Tensor('float32', data, dims);
    const dispose = t.dispose.bind(t);
    t.dispose = () => {
      state.disposed++;
      dispose();
    };
    return t;
  };
  const session = (inputs: string[], outputs: string[], out: (feeds: Record<string, ort.Tensor>) => ort.Tensor): SessionLike => ({
    inputNames: inputs,
    outputNames: outputs,
    async run(feeds) {
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      await tick();
      state.active--;
      state.runs++;
      return { [outputs[0]]: out(feeds) };
    },
    async release() {},
  });
  const upstream = session(['waveform'], ['hidden_states'], (f) => {
    const s = f['waveform'].dims[1];
    return tensor(new Float32Array(2 * s), [2, s, 1]);
  });
  const head = session(['hidden_states'], ['probabilities'], () => tensor(new Float32Array([0.25, 0.75]), [1, 2]));
  return { state, upstream, head, tensor };
}

describe('EmotionPipeline with fake sessions', () => {
  test('runs one at a time (an overlapping call is refused) and hidden states are disposed every run', async () => {
    const fake = fakeSessions(3);
    const sessions = [fake.upstream, fake.head];
    const p = await EmotionPipeline.create({
      backend: 'wasm',
      upstream: new Uint8Array(1),
      head: new Uint8Array(1),
      minSamples: 400,
      numClasses: 2,
      createSession: async () => sessions.shift()!,
      makeTensor: (d, dims) => fake.tensor(d, [...dims]),
    });
    const results: Float32Array[] = [];
    for (let i = 0; i < 6; i++) results.push(await p.run(new Float32Array(1000).fill(0.1)));
    // The worker's scheduler serialises requests; a second queue here would hide a bug there.
    const first = p.run(new Float32Array(1000));
    await expect(p.run(new Float32Array(1000))).rejects.toMatchObject({ code: 'run-failed', message: expect.stringMatching(/in progress/) });
    await first;
    expect(fake.state.maxActive).toBe(1);
    expect(fake.state.runs).toBe(14);
    // per run: waveform, hidden_states and probabilities tensors
    expect(fake.state.disposed).toBe(21);
    // release() waits for the run in progress before freeing the sessions.
    const last = p.run(new Float32Array(1000));
    await p.release();
    expect(fake.state.active).toBe(0);
    expect(Array.from(await last)).toEqual([0.25, 0.75]);
    for (const r of results) expect(Array.from(r)).toEqual([0.25, 0.75]);
  });

  test('non-finite probabilities fail that run with invalid-output; the next run works', async () => {
    const fake = fakeSessions(0);
    const outputs = [new Float32Array([NaN, 0.5]), new Float32Array([0.5, Infinity]), new Float32Array([0.25, 0.75])];
    const head: SessionLike = { ...fake.head, run: async () => ({ probabilities: fake.tensor(outputs.shift()!, [1, 2]) }) };
    const sessions = [fake.upstream, head];
    const p = await EmotionPipeline.create({
      backend: 'wasm',
      upstream: new Uint8Array(1),
      head: new Uint8Array(1),
      minSamples: 400,
      numClasses: 2,
      createSession: async () => sessions.shift()!,
      makeTensor: (d, dims) => fake.tensor(d, [...dims]),
    });
    await expect(p.run(new Float32Array(1000))).rejects.toMatchObject({ name: 'InferenceError', code: 'invalid-output', message: expect.stringContaining('NaN for class 0') });
    await expect(p.run(new Float32Array(1000))).rejects.toMatchObject({ code: 'invalid-output', message: expect.stringContaining('Infinity for class 1') });
    expect(Array.from(await p.run(new Float32Array(1000)))).toEqual([0.25, 0.75]);
  });

  test('a session with the wrong IO names is refused with a clear error', async () => {
    const bad: SessionLike = { inputNames: ['input'], outputNames: ['output'], run: async () => ({}), release: async () => {} };
    await expect(
      EmotionPipeline.create({
        backend: 'wasm',
        upstream: new Uint8Array(1),
        head: new Uint8Array(1),
        minSamples: 400,
        numClasses: 2,
        createSession: async () => bad,
        makeTensor: (d, dims) => new ort.Tensor('float32', d, [...dims]),
      }),
    ).rejects.toThrow('upstream model must have input "waveform" and output "hidden_states"');
  });
});

describe('warm-up', () => {
  test('a head whose class count contradicts the manifest fails the load with a clear message', async () => {
    const fake = fakeSessions(0);
    const sessions = [fake.upstream, fake.head];
    const p = await EmotionPipeline.create({
      backend: 'wasm',
      upstream: new Uint8Array(1),
      head: new Uint8Array(1),
      minSamples: 400,
      numClasses: 4, // the fake head outputs 2
      createSession: async () => sessions.shift()!,
      makeTensor: (d, dims) => fake.tensor(d, [...dims]),
    });
    await expect(p.warmUp()).rejects.toMatchObject({
      name: 'ModelLoadError',
      code: 'session',
      message: expect.stringContaining('head output probabilities must be float32 [1, 4]; got float32 [1, 2]'),
    });
  });
});

describe('prepareWaveform and session options', () => {
  test('short input is zero-padded to min_samples; long input untouched', () => {
    const short = prepareWaveform(new Float32Array([0.5, -0.5]), 400);
    expect(short.length).toBe(400);
    expect([short[0], short[1], short[2], short[399]]).toEqual([0.5, -0.5, 0, 0]);
    const long = new Float32Array(500);
    expect(prepareWaveform(long, 400)).toBe(long);
  });

  test('empty and non-finite input are rejected with invalid-input', () => {
    expect(() => prepareWaveform(new Float32Array(0), 400)).toThrow(InferenceError);
    expect(() => prepareWaveform(new Float32Array([0, NaN]), 400)).toThrow('waveform[1] is NaN');
  });

  test('on WebGPU only the upstream keeps hidden_states on the GPU', () => {
    expect(sessionOptions('webgpu', 'upstream').preferredOutputLocation).toEqual({ hidden_states: 'gpu-buffer' });
    expect(sessionOptions('webgpu', 'head').preferredOutputLocation).toBeUndefined();
    expect(sessionOptions('wasm', 'upstream').preferredOutputLocation).toBeUndefined();
    expect(sessionOptions('wasm', 'upstream').executionProviders).toEqual(['wasm']);
  });
});

describe('EmotionPipeline on onnxruntime-web (WASM, Node) with the tiny fixture', () => {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = resolve('node_modules/onnxruntime-web/dist') + '/';

  test('matches Python onnxruntime within 1e-5 (1 s input and a padded 300-sample input)', async () => {
    const p = await buildPipeline(
      ort,
      manifest,
      'wasm',
      readFileSync(`${DIR}/upstream.fp32.onnx`),
      readFileSync(`${DIR}/head.onnx`),
    );
    const full = await p.run(input);
    const short = await p.run(input.slice(0, 300));
    await p.release();
    const close = (got: Float32Array, want: number[]) => {
      expect(got.length).toBe(want.length);
      got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThan(1e-5));
    };
    close(full, reference.one_second.probabilities);
    close(short, reference.short_300_padded.probabilities);
    expect(full.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });
});
