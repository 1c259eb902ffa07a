/**
 * The real Silero VAD v5 model on onnxruntime-web's WASM backend, running in Node, with
 * the same pipeline (framing + frame processor, default options) the worker uses.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { Resampler } from '../../src/audio/resample';
import { decodeWav } from '../../src/audio/wav';
import type { UtteranceEvent } from '../../src/vad/events';
import type { SileroVad } from '../../src/vad/silero';
import { loadSileroInNode, vadEvents } from './helpers/silero-node';

// Real-model tests: generous limits for a loaded 2-core CI machine (nothing here asserts time).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const ROOT = resolve(__dirname, '../..');
const FIXTURES = resolve(ROOT, '../shared/data/fixtures');
const fixtures = JSON.parse(readFileSync(resolve(FIXTURES, 'fixtures.json'), 'utf8')) as Record<
  string,
  { utterances: { start_s: number; end_s: number }[] }
>;

let vad: SileroVad;

beforeAll(async () => {
  vad = await loadSileroInNode();
});

function load(name: string): { samples: Float32Array; rate: number } {
  const { info, samples } = decodeWav(new Uint8Array(readFileSync(resolve(FIXTURES, name))));
  return { samples, rate: info.sampleRate };
}

/** Every detected utterance overlaps exactly one true one, and each true one is found once. */
function expectMatches(utts: UtteranceEvent[], truth: { start_s: number; end_s: number }[]) {
  const hits = truth.map((t) => utts.filter((u) => u.startSample / 16000 < t.end_s && u.endSample / 16000 > t.start_s).length);
  expect(hits.filter((h) => h === 1).length).toBeGreaterThanOrEqual(truth.length - 2);
  for (const u of utts) expect(u.audio.length).toBe(u.endSample - u.startSample);
}

describe('Silero VAD v5 (onnxruntime-web WASM in Node)', () => {
  test('scores silence low and speech high', async () => {
    vad.reset();
    const silence = new Float32Array(512);
    for (let i = 0; i < 10; i++) expect(await vad.process(silence)).toBeLessThan(0.1);
    const { samples } = load('three_utterances_16k.wav');
    vad.reset();
    let max = 0;
    // 1.0-3.0 s is an EmoDB sentence.
    for (let at = 16000; at + 512 <= 32000; at += 512) max = Math.max(max, await vad.process(samples.subarray(at, at + 512)));
    expect(max).toBeGreaterThan(0.9);
  });

  test('three_utterances_16k.wav: 3 utterances at the true places', async () => {
    const events = await vadEvents(vad, load('three_utterances_16k.wav').samples);
    const utts = events.filter((e): e is UtteranceEvent => e.type === 'utterance');
    expect(utts).toHaveLength(3);
    expectMatches(utts, fixtures.three_utterances.utterances);
  });

  test('three_utterances_48k.wav through the resampler: 3 utterances', async () => {
    const { samples, rate } = load('three_utterances_48k.wav');
    expect(rate).toBe(48000);
    const r = new Resampler(rate);
    const head = r.process(samples);
    const tail = r.flush();
    const x = new Float32Array(head.length + tail.length);
    x.set(head);
    x.set(tail, head.length);
    const utts = (await vadEvents(vad, x)).filter((e): e is UtteranceEvent => e.type === 'utterance');
    expect(utts).toHaveLength(3);
    expectMatches(utts, fixtures.three_utterances.utterances);
  });

  test('long_30_utterances_16k.wav: 30 ± 2 utterances', async () => {
    const events = await vadEvents(vad, load('long_30_utterances_16k.wav').samples);
    const utts = events.filter((e): e is UtteranceEvent => e.type === 'utterance');
    expect(Math.abs(utts.length - 30)).toBeLessThanOrEqual(2);
    expectMatches(utts, fixtures.long_30_utterances.utterances);
  });

  test('bad-input signals: silence, noise, clipping, a 0.2 s blip, less than one frame', async () => {
    const count = async (x: Float32Array) => (await vadEvents(vad, x)).filter((e) => e.type === 'utterance').length;
    expect(await count(new Float32Array(16000 * 3))).toBe(0);
    // White noise (deterministic LCG), fairly loud.
    let seed = 1;
    const noise = Float32Array.from({ length: 16000 * 3 }, () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.6);
    expect(await count(noise)).toBe(0);
    // One sentence (1.0-3.0 s of the fixture), amplified 20x and hard-clipped: still one utterance.
    const speech = load('three_utterances_16k.wav').samples.slice(8000, 60000);
    expect(await count(speech.map((v) => Math.max(-1, Math.min(1, v * 20))))).toBe(1);
    // 0.2 s of speech alone: too short to be an utterance (a misfire at most), no error.
    const blip = speech.slice(16000, 16000 + 3200);
    expect(await count(blip)).toBe(0);
    expect(await count(new Float32Array(100))).toBe(0);
  });

  test('an EmoDB file is one utterance from its start, its audio exactly the input samples', async () => {
    const { samples } = decodeWav(new Uint8Array(readFileSync(resolve(ROOT, '../shared/data/emodb/03a01Wa.wav'))));
    const utts = (await vadEvents(vad, samples)).filter((e): e is UtteranceEvent => e.type === 'utterance');
    expect(utts).toHaveLength(1);
    const [u] = utts;
    expect(u.startSample).toBe(0);
    expect(u.endSample).toBeLessThanOrEqual(samples.length);
    expect(u.endSample).toBeGreaterThan(samples.length * 0.75);
    expect(u.audio).toEqual(samples.slice(u.startSample, u.endSample));
  });
});
