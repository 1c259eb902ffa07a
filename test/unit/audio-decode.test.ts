import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { AudioDecodeError, MAX_WAV_SECONDS, decodeAudioFile, openAudioFile, type BlobSource } from '../../src/audio/decode';
import { resample } from '../../src/audio/resample';
import { decodeWav } from '../../src/audio/wav';

const FIXTURES = resolve(__dirname, '../../../shared/data/fixtures');

function header(rate: number, channels: number, bits: number, dataBytes: number, tag = 1): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(44);
  const v = new DataView(b.buffer);
  b.set([0x52, 0x49, 0x46, 0x46], 0);
  v.setUint32(4, 36 + dataBytes, true);
  b.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, tag, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, (rate * channels * bits) / 8, true);
  v.setUint16(32, (channels * bits) / 8, true);
  v.setUint16(34, bits, true);
  b.set([0x64, 0x61, 0x74, 0x61], 36);
  v.setUint32(40, dataBytes, true);
  return b;
}

async function collect(chunks: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Index of the first differing sample, -1 when identical (fast on long arrays, unlike toEqual). */
function firstDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

async function errorCode(file: BlobSource): Promise<string> {
  try {
    await collect(decodeAudioFile(file));
  } catch (e) {
    if (e instanceof AudioDecodeError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('decodeAudioFile', () => {
  test('48 kHz WAV fixture streams to the same 16 kHz signal as one-shot resampling', async () => {
    const bytes = readFileSync(resolve(FIXTURES, 'three_utterances_48k.wav'));
    const progress: number[] = [];
    const opened = await openAudioFile(new Blob([bytes]), (p) => progress.push(p.fraction));
    expect(opened.info).toMatchObject({ decoder: 'wav', sampleRate: 48000, truncated: false });
    expect(opened.info.durationSeconds).toBeCloseTo(11.5, 1);
    const streamed = await collect(opened.chunks);
    const { samples } = decodeWav(new Uint8Array(bytes));
    expect(firstDiff(streamed, resample(samples, 48000))).toBe(-1);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress[progress.length - 1]).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
  });

  test('16 kHz stereo 24-bit WAV: averaged channels, passthrough rate', async () => {
    const frames = 40000;
    const data = new Uint8Array(frames * 6);
    for (let i = 0; i < frames * 2; i++) {
      const q = Math.round(Math.sin(i / 7) * 4000000);
      data.set([q & 0xff, (q >> 8) & 0xff, (q >> 16) & 0xff], i * 3);
    }
    const file = new Blob([header(16000, 2, 24, data.length), data]);
    const out = await collect(decodeAudioFile(file));
    expect(out.length).toBe(frames);
    const ref = decodeWav(new Uint8Array(await file.arrayBuffer())).samples;
    expect(firstDiff(out, ref)).toBe(-1);
  });

  test('truncated WAV: decodes what is present and warns', async () => {
    const data = new Uint8Array(16000 * 2);
    const file = new Blob([header(16000, 1, 16, 64000), data]);
    const opened = await openAudioFile(file);
    expect(opened.info.truncated).toBe(true);
    expect(opened.info.warning).toMatch(/truncated/);
    expect((await collect(opened.chunks)).length).toBe(16000);
  });

  test('a 2-hour WAV streams in bounded chunks; a 3-hour-plus one is refused', async () => {
    // A lazy 2-hour 16 kHz 16-bit file: bytes are generated only for the slices read.
    const dataBytes = 2 * 3600 * 16000 * 2;
    const hdr = header(16000, 1, 16, dataBytes);
    const lazy: BlobSource = {
      size: 44 + dataBytes,
      type: 'audio/wav',
      slice: (start = 0, end = 44 + dataBytes) => ({
        arrayBuffer: async () => {
          const b = new Uint8Array(end - start);
          if (start < 44) b.set(hdr.subarray(start, Math.min(44, end)));
          return b.buffer;
        },
      }),
    };
    const opened = await openAudioFile(lazy);
    expect(opened.info.durationSeconds).toBe(7200);
    let n = 0;
    for await (const chunk of opened.chunks) {
      expect(chunk.length).toBeLessThanOrEqual(2 * 16000);
      if (++n === 5) break;
    }
    const tooLong = { ...lazy, size: 44 + (MAX_WAV_SECONDS + 1) * 32000 };
    const hdr2 = header(16000, 1, 16, (MAX_WAV_SECONDS + 1) * 32000);
    tooLong.slice = (start = 0, end = 44) => ({ arrayBuffer: async () => hdr2.slice(start, Math.min(end, 44)).buffer });
    await expect(openAudioFile(tooLong)).rejects.toMatchObject({ code: 'too-long', message: /3 h 00 min/ });
  });

  test('a valid WAV with a 2 MB LIST chunk before data is analysed (chunks walked without a fixed cap)', async () => {
    const frames = 16000;
    const samples = Uint8Array.from({ length: frames * 2 }, (_, i) => (i * 37) & 0xff);
    const hdr = header(16000, 1, 16, samples.length);
    const listBytes = 2 * 1024 * 1024 + 1; // odd: followed by a pad byte
    const list = new Uint8Array(8 + listBytes + 1);
    list.set([0x4c, 0x49, 0x53, 0x54], 0); // 'LIST'
    new DataView(list.buffer).setUint32(4, listBytes, true);
    // RIFF header + fmt, then LIST, then data
    const file = new Blob([hdr.subarray(0, 36), list, hdr.subarray(36), samples]);
    const opened = await openAudioFile(file);
    expect(opened.info).toMatchObject({ decoder: 'wav', sampleRate: 16000, channels: 1, truncated: false });
    expect(opened.info.durationSeconds).toBe(1);
    const out = await collect(opened.chunks);
    const ref = decodeWav(new Uint8Array(await new Blob([hdr, samples]).arrayBuffer())).samples;
    expect(firstDiff(out, ref)).toBe(-1);
  });

  test('bad files give specific errors', async () => {
    expect(await errorCode(new Blob([]))).toBe('empty');
    expect(await errorCode(new File([new TextEncoder().encode('hello, I am a text file')], 'speech.wav'))).toBe('not-audio');
    expect(await errorCode(new Blob([header(16000, 1, 16, 0)]))).toBe('no-audio');
    const corrupt = header(16000, 1, 16, 100);
    corrupt.set([0, 0, 0, 0], 12);
    expect(await errorCode(new Blob([corrupt, new Uint8Array(100)]))).toBe('corrupt');
    expect(await errorCode(new Blob([header(16000, 1, 4, 100, 0x11), new Uint8Array(100)]))).toBe('unsupported-format');
    expect(await errorCode(new Blob([header(100, 1, 16, 100), new Uint8Array(100)]))).toBe('unsupported-format');
    // Not WAV and no Web Audio decoder in Node: a clear 'unsupported-format'.
    expect(await errorCode(new File([new Uint8Array([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0])], 'song.mp3'))).toBe('unsupported-format');
    expect(await errorCode({ size: 60 * 1048576, type: '', slice: () => ({ arrayBuffer: async () => new Uint8Array(16).buffer }) })).toBe('too-large');
  });
});
