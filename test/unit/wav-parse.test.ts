import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { WavError, decodeWav, decodeWavChunk, parseWavHeader } from '../../src/audio/wav';

const EMODB = resolve(__dirname, '../../../shared/data/emodb');

interface Spec {
  tag: number;
  rate: number;
  channels: number;
  bits: number;
  /** Encoded bytes of all samples (interleaved). */
  data: Uint8Array;
  extensible?: boolean;
  /** Override the data chunk size field. */
  declaredBytes?: number;
  extraChunk?: boolean;
}

/** Builds WAV bytes independently of the parser (RIFF writer). */
function wav(s: Spec): Uint8Array {
  const fmtSize = s.extensible ? 40 : 16;
  const extra = s.extraChunk ? 8 + 5 + 1 : 0; // odd-sized LIST chunk + pad byte
  const total = 12 + 8 + fmtSize + extra + 8 + s.data.length;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  const str = (at: number, t: string) => [...t].forEach((c, i) => (b[at + i] = c.charCodeAt(0)));
  str(0, 'RIFF');
  v.setUint32(4, total - 8, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  const block = (s.channels * s.bits) / 8;
  v.setUint16(20, s.extensible ? 0xfffe : s.tag, true);
  v.setUint16(22, s.channels, true);
  v.setUint32(24, s.rate, true);
  v.setUint32(28, s.rate * block, true);
  v.setUint16(32, block, true);
  v.setUint16(34, s.bits, true);
  if (s.extensible) {
    v.setUint16(36, 22, true);
    v.setUint16(38, s.bits, true);
    v.setUint32(40, 0x3f, true);
    v.setUint16(44, s.tag, true); // sub-format GUID starts with the format code
    b.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 46);
  }
  let p = 20 + fmtSize;
  if (s.extraChunk) {
    str(p, 'LIST');
    v.setUint32(p + 4, 5, true);
    p += 14;
  }
  str(p, 'data');
  v.setUint32(p + 4, s.declaredBytes ?? s.data.length, true);
  b.set(s.data, p + 8);
  return b;
}

/** Reference signal: per-channel sines of different frequencies, amplitude 0.5. */
function signal(frames: number, channels: number, rate: number): number[][] {
  return Array.from({ length: frames }, (_, i) => Array.from({ length: channels }, (_, c) => 0.5 * Math.sin((2 * Math.PI * (200 + 100 * c) * i) / rate)));
}

function encodeInt(sig: number[][], bits: number): Uint8Array {
  const bytes = bits / 8;
  const out = new Uint8Array(sig.length * sig[0].length * bytes);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const frame of sig)
    for (const x of frame) {
      if (bits === 8) out[at] = Math.round(x * 127) + 128;
      else if (bits === 16) v.setInt16(at, Math.round(x * 32767), true);
      else if (bits === 24) {
        const q = Math.round(x * 8388607);
        out[at] = q & 0xff;
        out[at + 1] = (q >> 8) & 0xff;
        out[at + 2] = (q >> 16) & 0xff;
      } else v.setInt32(at, Math.round(x * 2147483647), true);
      at += bytes;
    }
  return out;
}

function encodeFloat(sig: number[][], bits: 32 | 64): Uint8Array {
  const out = new Uint8Array(sig.length * sig[0].length * (bits / 8));
  const v = new DataView(out.buffer);
  let at = 0;
  for (const frame of sig)
    for (const x of frame) {
      if (bits === 32) v.setFloat32(at, x, true);
      else v.setFloat64(at, x, true);
      at += bits / 8;
    }
  return out;
}

/** Sun g711.c linear2alaw, written independently of the decoder's table. */
function linearToAlaw(pcm16: number): number {
  const segEnd = [0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff, 0x7fff];
  let mask: number;
  let pcm = pcm16 >> 3;
  if (pcm >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = segEnd.findIndex((e) => pcm <= e >> 3);
  if (seg < 0) return 0x7f ^ mask;
  let aval = seg << 4;
  aval |= seg < 2 ? (pcm >> 1) & 0xf : (pcm >> seg) & 0xf;
  return aval ^ mask;
}

function mono(sig: number[][]): number[] {
  return sig.map((f) => f.reduce((a, b) => a + b, 0) / f.length);
}

function maxDiff(a: Float32Array, b: number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof WavError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('WAV parser', () => {
  test.each([
    [8, 1, 8000, 1 / 100],
    [16, 1, 16000, 1e-4],
    [24, 2, 44100, 1e-6],
    [32, 1, 96000, 1e-7],
  ])('%i-bit PCM, %i channel(s), %i Hz', (bits, channels, rate, tol) => {
    const sig = signal(500, channels, rate);
    const { info, samples } = decodeWav(wav({ tag: 1, rate, channels, bits, data: encodeInt(sig, bits) }));
    expect(info).toMatchObject({ encoding: 'pcm', sampleRate: rate, channels, frames: 500, truncated: false });
    expect(maxDiff(samples, mono(sig))).toBeLessThan(tol);
  });

  test('32-bit and 64-bit float', () => {
    const sig = signal(300, 1, 22050);
    expect(maxDiff(decodeWav(wav({ tag: 3, rate: 22050, channels: 1, bits: 32, data: encodeFloat(sig, 32) })).samples, mono(sig))).toBeLessThan(1e-7);
    expect(maxDiff(decodeWav(wav({ tag: 3, rate: 22050, channels: 1, bits: 64, data: encodeFloat(sig, 64) })).samples, mono(sig))).toBeLessThan(1e-7);
  });

  test('A-law decodes to within G.711 quantisation of the source', () => {
    const sig = signal(400, 1, 8000);
    const data = Uint8Array.from(sig, ([x]) => linearToAlaw(Math.round(x * 32767)));
    const { info, samples } = decodeWav(wav({ tag: 6, rate: 8000, channels: 1, bits: 8, data }));
    expect(info.encoding).toBe('alaw');
    // The largest A-law step (top segment) is 1024/32768; decoding yields its midpoint.
    expect(maxDiff(samples, mono(sig))).toBeLessThanOrEqual(513 / 32768);
    // Every code round-trips through the independent encoder.
    const all = decodeWav(wav({ tag: 6, rate: 8000, channels: 1, bits: 8, data: Uint8Array.from({ length: 256 }, (_, i) => i) })).samples;
    all.forEach((x, i) => expect(linearToAlaw(Math.round(x * 32768))).toBe(i));
  });

  test('mu-law silence and extremes', () => {
    const { samples } = decodeWav(wav({ tag: 7, rate: 8000, channels: 1, bits: 8, data: Uint8Array.from([0xff, 0x7f, 0x80, 0x00]) }));
    expect(Array.from(samples)).toEqual([0, 0, 32124 / 32768, -32124 / 32768]);
  });

  test('6-channel WAVE_FORMAT_EXTENSIBLE with an odd-sized extra chunk', () => {
    const sig = signal(256, 6, 48000);
    const { info, samples } = decodeWav(wav({ tag: 1, rate: 48000, channels: 6, bits: 16, data: encodeInt(sig, 16), extensible: true, extraChunk: true }));
    expect(info).toMatchObject({ channels: 6, formatTag: 0xfffe, encoding: 'pcm', frames: 256 });
    expect(maxDiff(samples, mono(sig))).toBeLessThan(1e-4);
  });

  test('truncated data: decodes what is there and reports it', () => {
    const sig = signal(1000, 1, 16000);
    const full = wav({ tag: 1, rate: 16000, channels: 1, bits: 16, data: encodeInt(sig, 16) });
    const cut = full.subarray(0, full.length - 601); // ends mid-sample
    const { info, samples } = decodeWav(cut);
    expect(info).toMatchObject({ truncated: true, declaredFrames: 1000, frames: 699 });
    expect(maxDiff(samples, mono(sig).slice(0, 699))).toBeLessThan(1e-4);
  });

  test('header-only parse with the real file size detects truncation', () => {
    const full = wav({ tag: 1, rate: 16000, channels: 1, bits: 16, data: new Uint8Array(2000) });
    expect(parseWavHeader(full.subarray(0, 64), full.length)).toMatchObject({ truncated: false, frames: 1000, dataOffset: 44 });
    expect(parseWavHeader(full.subarray(0, 64), 1044)).toMatchObject({ truncated: true, frames: 500 });
  });

  test('chunked decoding equals whole decoding', () => {
    const sig = signal(1001, 2, 16000);
    const file = wav({ tag: 1, rate: 16000, channels: 2, bits: 24, data: encodeInt(sig, 24) });
    const { info, samples } = decodeWav(file);
    const parts: number[] = [];
    for (let f = 0; f < info.frames; f += 300) {
      const end = Math.min(info.frames, f + 300);
      parts.push(...decodeWavChunk(info, file.subarray(info.dataOffset + f * info.blockAlign, info.dataOffset + end * info.blockAlign)));
    }
    expect(Float32Array.from(parts)).toEqual(samples);
  });

  test('bad input gives specific errors', () => {
    expect(code(() => parseWavHeader(new Uint8Array(0)))).toBe('empty');
    const random = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
    expect(code(() => parseWavHeader(random))).toBe('not-wav');
    expect(code(() => parseWavHeader(new TextEncoder().encode('ID3\x03 this is an mp3 renamed to .wav')))).toBe('not-wav');
    const good = wav({ tag: 1, rate: 16000, channels: 1, bits: 16, data: new Uint8Array(100) });
    const noFmt = good.slice();
    noFmt.set([0x78, 0x78, 0x78, 0x78], 12); // rename 'fmt ' -> 'xxxx'
    expect(code(() => parseWavHeader(noFmt))).toBe('corrupt-header');
    const zeroChannels = good.slice();
    new DataView(zeroChannels.buffer).setUint16(22, 0, true);
    expect(code(() => parseWavHeader(zeroChannels))).toBe('corrupt-header');
    const hugeFmt = good.slice();
    new DataView(hugeFmt.buffer).setUint32(16, 0x7fffffff, true);
    expect(code(() => parseWavHeader(hugeFmt))).toBe('corrupt-header');
    expect(code(() => parseWavHeader(wav({ tag: 2, rate: 8000, channels: 1, bits: 4, data: new Uint8Array(10) })))).toBe('unsupported-format');
    expect(code(() => parseWavHeader(good.subarray(0, 30)))).toBe('corrupt-header');
  });

  test('random bytes after a RIFF/WAVE header do not crash', () => {
    for (let seed = 1; seed < 50; seed++) {
      const b = Uint8Array.from({ length: 300 }, (_, i) => (Math.imul(i + 1, seed * 2654435761) >>> 13) & 0xff);
      b.set([0x52, 0x49, 0x46, 0x46], 0);
      b.set([0x57, 0x41, 0x56, 0x45], 8);
      const c = code(() => decodeWav(b));
      expect(['no error', 'corrupt-header', 'unsupported-format']).toContain(c);
    }
  });

  test('real EmoDB file matches an independent Int16 read', () => {
    const buf = readFileSync(resolve(EMODB, '03a01Wa.wav'));
    const { info, samples } = decodeWav(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    expect(info).toMatchObject({ sampleRate: 16000, channels: 1, frames: 32000, truncated: false, dataOffset: 44 });
    const ref = Array.from({ length: 32000 }, (_, i) => buf.readInt16LE(44 + 2 * i) / 32768);
    expect(maxDiff(samples, ref)).toBe(0);
  });
});
