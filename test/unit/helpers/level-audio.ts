/**
 * Test audio at controlled levels: EmoDB clips (read from ../shared/data/emodb, never copied
 * into the repo) RMS-normalised to a dBFS level and joined with digital silence, with the
 * true place of every clip. Shared by the unit (real Silero in Node) and E2E tests.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeWav } from '../../../src/audio/wav';

export const EMODB = resolve(__dirname, '../../../../shared/data/emodb');

/**
 * EmoDB sentences that end before the corpus' 2.0-s cut (0.5-0.8 s of silence around the
 * speech), so the pause between two of them is the inserted gap plus their own silence (about
 * 1.2 s for a 0.5-s gap). Most EmoDB files are cut mid-word; with those, 0.5 s of inserted
 * silence is a shorter pause than some inside one sentence (08a02Tb has 0.8 s), which no
 * silence rule can tell apart. Six speakers; fear, anger, happiness, neutral. With the VAD
 * model's score alone, 16a02Wb (anger) is lost at -50 dBFS.
 */
export const SEQUENCE_CLIPS = ['12a02Ac.wav', '03a02Wc.wav', '09a04Fd.wav', '11a02Nc.wav', '10a02Fa.wav', '16a02Wb.wav'] as const;

/** 16 kHz mono samples of an EmoDB file. */
export function loadEmodb(name: string): Float32Array {
  const { info, samples } = decodeWav(new Uint8Array(readFileSync(resolve(EMODB, name))));
  if (info.sampleRate !== 16000 || info.channels !== 1) throw new Error(`${name}: expected 16 kHz mono`);
  return samples;
}

/** RMS level in dBFS. */
export function rmsDbfs(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return 10 * Math.log10(s / x.length);
}

/** A copy of `x` scaled to an RMS of `dbfs`. */
export function atLevel(x: Float32Array, dbfs: number): Float32Array {
  const g = 10 ** ((dbfs - rmsDbfs(x)) / 20);
  return x.map((v) => v * g);
}

/** Audio with the true [start, end) of every clip in seconds. */
export interface Sequence {
  samples: Float32Array;
  clips: { name: string; startS: number; endS: number }[];
}

/**
 * `lead` s of silence, then each clip at its level (one level, or one per clip) followed by `gapS`
 * of silence.
 */
export function sequence(names: readonly string[], dbfs: number | readonly number[], gapS: number, leadS = 0.5): Sequence {
  const parts: Float32Array[] = [new Float32Array(Math.round(leadS * 16000))];
  const clips: Sequence['clips'] = [];
  let at = parts[0].length;
  names.forEach((name, i) => {
    const clip = atLevel(loadEmodb(name), typeof dbfs === 'number' ? dbfs : dbfs[i]);
    clips.push({ name, startS: at / 16000, endS: (at + clip.length) / 16000 });
    const gap = new Float32Array(Math.round(gapS * 16000));
    parts.push(clip, gap);
    at += clip.length + gap.length;
  });
  const samples = new Float32Array(at);
  let o = 0;
  for (const p of parts) {
    samples.set(p, o);
    o += p.length;
  }
  return { samples, clips };
}

/**
 * For each detected [start, end) (s), the indices of the clips it overlaps; every clip must be
 * covered by exactly one utterance, and every utterance must cover exactly one clip.
 */
export function matchClips(clips: Sequence['clips'], utterances: { startS: number; endS: number }[]): { perClip: number[]; perUtterance: number[] } {
  const overlaps = (u: { startS: number; endS: number }, c: { startS: number; endS: number }) => u.startS < c.endS && u.endS > c.startS;
  return {
    perClip: clips.map((c) => utterances.filter((u) => overlaps(u, c)).length),
    perUtterance: utterances.map((u) => clips.filter((c) => overlaps(u, c)).length),
  };
}

/** Deterministic white noise (LCG) with an RMS of `dbfs`. */
export function whiteNoise(seconds: number, dbfs: number, seed = 1): Float32Array {
  let s = seed;
  const x = Float32Array.from({ length: Math.round(seconds * 16000) }, () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  return atLevel(x, dbfs);
}

/** Deterministic low-passed (brown-ish) noise with an RMS of `dbfs`: hum and rumble-like. */
export function brownNoise(seconds: number, dbfs: number, seed = 2): Float32Array {
  const w = whiteNoise(seconds, 0, seed);
  let b = 0;
  return atLevel(w.map((v) => (b = 0.98 * b + 0.2 * v)), dbfs);
}

/** 16-bit PCM mono WAV bytes (what Chromium's fake microphone and file input read). */
export function encodeWav16(samples: Float32Array, rate = 16000): Uint8Array {
  const buf = new ArrayBuffer(44 + samples.length * 2);
  const v = new DataView(buf);
  const str = (o: number, s: string) => [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
  str(0, 'RIFF');
  v.setUint32(4, 36 + samples.length * 2, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  str(36, 'data');
  v.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + i * 2, Math.round(Math.max(-1, Math.min(1, samples[i])) * 32767), true);
  return new Uint8Array(buf);
}
