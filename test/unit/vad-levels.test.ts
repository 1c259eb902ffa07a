/**
 * Segmentation keeps all speech, whatever its level (issue 14): EmoDB sentences at -50, -23
 * and -6 dBFS with 0.5-1.5 s of silence between them each come out as their own utterance,
 * through the real Silero VAD v5 (onnxruntime-web WASM in Node) and the worker's pipeline;
 * silence and steady low noise give none. Plus the level tracker in front of the model.
 */
import { beforeAll, describe, expect, test, vi } from 'vitest';
import type { UtteranceEvent } from '../../src/vad/events';
import { energySpeechProbability, frameDbfs, frameVoicing, levelSpeechProbability, MAX_GAIN_DB, VadInputLevel } from '../../src/vad/input-level';
import type { SileroVad } from '../../src/vad/silero';
import { loadSileroInNode, vadEvents } from './helpers/silero-node';
import { brownNoise, loadEmodb, matchClips, SEQUENCE_CLIPS, sequence, whiteNoise, atLevel } from './helpers/level-audio';

// Real-model tests: generous limits for a loaded 2-core CI machine (nothing here asserts time).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

let vad: SileroVad;

beforeAll(async () => {
  vad = await loadSileroInNode();
});

/** Utterances (s) of 16 kHz audio pushed in 4000-sample chunks through a fresh stream. */
async function utterances(samples: Float32Array): Promise<{ startS: number; endS: number }[]> {
  return (await vadEvents(vad, samples)).filter((e): e is UtteranceEvent => e.type === 'utterance').map((u) => ({ startS: u.startSample / 16000, endS: u.endSample / 16000 }));
}

describe('every clip is its own utterance at any level (real Silero VAD)', () => {
  for (const dbfs of [-50, -23, -6]) {
    for (const gapS of [0.5, 1.0, 1.5]) {
      test(`six EmoDB sentences at ${dbfs} dBFS, ${gapS} s apart`, async () => {
        const seq = sequence(SEQUENCE_CLIPS, dbfs, gapS);
        const found = await utterances(seq.samples);
        const { perClip, perUtterance } = matchClips(seq.clips, found);
        expect(perClip).toEqual([1, 1, 1, 1, 1, 1]);
        expect(perUtterance).toEqual([1, 1, 1, 1, 1, 1]);
      });
    }
  }

  test('levels that jump between clips (-6, -50, -23, -50, -6, -23 dBFS), 1 s apart', async () => {
    const seq = sequence(SEQUENCE_CLIPS, [-6, -50, -23, -50, -6, -23], 1.0);
    const { perClip, perUtterance } = matchClips(seq.clips, await utterances(seq.samples));
    expect(perClip).toEqual([1, 1, 1, 1, 1, 1]);
    expect(perUtterance).toEqual([1, 1, 1, 1, 1, 1]);
  });

  test('an angry sentence at -50 dBFS that the model score alone misses is found', async () => {
    const seq = sequence(['16a02Wb.wav'], -50, 0.5);
    const found = await utterances(seq.samples);
    expect(found).toHaveLength(1);
    // It covers the speech, not just a fragment of it.
    expect(found[0].endS - found[0].startS).toBeGreaterThan(1.2);
  });

  test('speech over a steady noise floor (-60 dBFS white noise, sentence at -23 dBFS): one utterance', async () => {
    const noise = whiteNoise(6, -60);
    const clip = atLevel(loadEmodb('12a04Wc.wav'), -23);
    const x = noise.slice();
    for (let i = 0; i < clip.length; i++) x[32000 + i] += clip[i];
    const found = await utterances(x);
    expect(found).toHaveLength(1);
    expect(found[0].startS).toBeLessThan(2.3);
    expect(found[0].endS).toBeGreaterThan(3.5);
  });
});

describe('silence and noise stay silent', () => {
  test('20 s of digital silence: no utterance', async () => {
    expect(await utterances(new Float32Array(20 * 16000))).toEqual([]);
  });

  for (const dbfs of [-70, -60, -45]) {
    test(`20 s of white and of brown noise at ${dbfs} dBFS: no utterance`, async () => {
      expect(await utterances(whiteNoise(20, dbfs))).toEqual([]);
      expect(await utterances(brownNoise(20, dbfs))).toEqual([]);
    });
  }

  test('loud knocks and noise bursts after silence and after speech (not voiced): no utterance of their own', async () => {
    // 3 s of knocks (decaying noise bursts every 0.2 s, peaks near full scale) and 1 s bursts of white noise.
    let seed = 7;
    const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5;
    const knocks = new Float32Array(48000);
    for (let k = 0; k < 15; k++) for (let i = 0; i < 800; i++) knocks[k * 3200 + i] = rnd() * Math.exp(-i / 150);
    const burst = whiteNoise(1, -20, 3);
    const x = new Float32Array(16000 * 9);
    x.set(knocks, 16000);
    x.set(burst, 16000 * 5);
    expect(await utterances(x)).toEqual([]);
    // The same after a sentence: still exactly the sentence.
    const seq = sequence(['12a02Ac.wav'], -23, 1.0);
    const y = new Float32Array(seq.samples.length + x.length);
    y.set(seq.samples);
    y.set(x, seq.samples.length);
    const found = await utterances(y);
    expect(matchClips(seq.clips, found).perUtterance).toEqual([1]);
  });

  test('low noise after speech (the gain raised for quiet speech) does not turn into speech', async () => {
    const seq = sequence(['10a04Fd.wav'], -50, 0);
    const tail = whiteNoise(15, -70);
    const x = new Float32Array(seq.samples.length + tail.length);
    x.set(seq.samples);
    x.set(tail, seq.samples.length);
    expect(await utterances(x)).toHaveLength(1);
  });
});

describe('VadInputLevel (gain and noise floor in front of the VAD model)', () => {
  const frames = (x: Float32Array) => Array.from({ length: Math.floor(x.length / 512) }, (_, i) => x.subarray(i * 512, (i + 1) * 512));

  test('frameDbfs: a full-scale sine is -3 dBFS, silence is the floor', () => {
    const sine = Float32Array.from({ length: 512 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / 16000));
    expect(frameDbfs(sine)).toBeCloseTo(-3.01, 1);
    expect(frameDbfs(new Float32Array(512))).toBe(-100);
  });

  test('frameVoicing: a 200 Hz vowel-like tone is periodic, white noise is not', () => {
    const vowel = Float32Array.from({ length: 512 }, (_, i) => Math.sin((2 * Math.PI * 200 * i) / 16000) + 0.5 * Math.sin((2 * Math.PI * 400 * i) / 16000));
    expect(frameVoicing(vowel)).toBeGreaterThan(0.9);
    expect(frameVoicing(whiteNoise(0.032, -20).subarray(0, 512))).toBeLessThan(0.3);
    expect(frameVoicing(new Float32Array(512))).toBe(0);
  });

  test('levelSpeechProbability: loud and voiced counts, loud and unvoiced does not', () => {
    expect(levelSpeechProbability({ dbfs: -20, snrDb: 40, gainDb: 0, voicing: 0.9 })).toBe(1);
    expect(levelSpeechProbability({ dbfs: -20, snrDb: 40, gainDb: 0, voicing: 0.2 })).toBe(0);
    expect(levelSpeechProbability({ dbfs: -60, snrDb: 5, gainDb: 0, voicing: 0.9 })).toBe(0);
  });

  test('energySpeechProbability: 0 at 10 dB above the floor, 0.5 at 22 dB, 1 from 34 dB', () => {
    expect(energySpeechProbability(0)).toBe(0);
    expect(energySpeechProbability(10)).toBe(0);
    expect(energySpeechProbability(22)).toBeCloseTo(0.5, 6);
    expect(energySpeechProbability(40)).toBe(1);
  });

  test('quiet speech is raised toward the target, loud speech lowered, the input left as it is', () => {
    for (const [dbfs, sign] of [
      [-50, 1],
      [-6, -1],
    ] as const) {
      const lvl = new VadInputLevel();
      const x = sequence(['12a04Wc.wav', '14a01Wa.wav'], dbfs, 0.3).samples;
      const copy = x.slice();
      const out = new Float32Array(512);
      let last = 0;
      for (const f of frames(x)) last = lvl.process(f, out).gainDb;
      expect(Math.sign(last)).toBe(sign);
      expect(Math.abs(last)).toBeGreaterThan(5);
      expect(last).toBeLessThanOrEqual(MAX_GAIN_DB);
      expect(x).toEqual(copy);
    }
  });

  test('steady noise stays near 0 dB SNR and is never lifted above -55 dBFS', () => {
    const lvl = new VadInputLevel();
    const out = new Float32Array(512);
    const fs = frames(whiteNoise(10, -65));
    fs.forEach((f, i) => {
      const r = lvl.process(f, out);
      if (i > 30) {
        expect(r.snrDb).toBeLessThan(3);
        expect(frameDbfs(out)).toBeLessThan(-54);
      }
    });
  });
});
