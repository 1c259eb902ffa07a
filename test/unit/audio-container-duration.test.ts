/**
 * Durations read from container headers before decoding (issue 17.3): generated files of
 * each container, and the FLAC "bomb" (4 h of silence in 188 KB) refused without decoding.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { declaredDuration } from '../../src/audio/container-duration';
import { openAudioFile } from '../../src/audio/decode';
import { constantFlac } from './helpers/flac';

const probe = (bytes: Uint8Array) =>
  declaredDuration(bytes.subarray(0, 64 << 10), bytes.length, async (offset, length) => bytes.slice(offset, offset + length));

const SOX = '/usr/bin/sox';
/** A file written by sox (independent of the parser), or null where sox is missing. */
function sox(ext: string, seconds: number): Uint8Array | null {
  if (!existsSync(SOX)) return null;
  const out = join(mkdtempSync(join(tmpdir(), 'ser-')), `a.${ext}`);
  try {
    execFileSync(SOX, ['-n', '-r', '16000', '-c', '1', out, 'synth', String(seconds), 'sine', '440']);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const text = (s: string) => [...s].map((c) => c.charCodeAt(0));
const box = (type: string, body: number[]) => [...be32(8 + body.length), ...text(type), ...body];

describe('declaredDuration', () => {
  test('FLAC: STREAMINFO total samples; 0 (unknown) gives null', async () => {
    expect(await probe(constantFlac({ seconds: 4 * 3600 }))).toEqual({ format: 'flac', seconds: 4 * 3600 });
    expect(await probe(constantFlac({ seconds: 2, declaredSamples: 0 }))).toEqual({ format: 'flac', seconds: null });
    const withId3 = new Uint8Array([...text('ID3'), 3, 0, 0, 0, 0, 0, 20, ...new Array(20).fill(0), ...constantFlac({ seconds: 1.5 })]);
    expect(await probe(withId3)).toEqual({ format: 'flac', seconds: 1.5 });
  });

  test('Ogg Vorbis, FLAC, AIFF written by sox', async () => {
    for (const ext of ['ogg', 'flac', 'aiff']) {
      const bytes = sox(ext, 2.5);
      if (!bytes) continue;
      const d = await probe(bytes);
      expect(d?.seconds, ext).toBeCloseTo(2.5, 2);
    }
  });

  test('MP3: Xing frame count, VBRI, else constant bit rate from the file size', async () => {
    // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, stereo: FF FB 90 00
    const frame = [0xff, 0xfb, 0x90, 0x00];
    const xing = new Uint8Array(1000);
    xing.set(frame);
    xing.set([...text('Xing'), 0, 0, 0, 1, ...be32(3000)], 4 + 32);
    expect((await probe(xing))?.seconds).toBeCloseTo((3000 * 1152) / 44100, 6);
    const cbr = new Uint8Array(160_000);
    cbr.set(frame);
    expect(await probe(cbr)).toEqual({ format: 'mp3', seconds: 10 }); // 160 kB at 128 kbit/s
  });

  test('an ID3v2 tag larger than the bytes read up front (cover art) is skipped for MP3 and FLAC', async () => {
    const tag = (n: number) => [...text('ID3'), 3, 0, 0, (n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127, ...new Array(n).fill(0)];
    const cbr = new Uint8Array(160_000);
    cbr.set([0xff, 0xfb, 0x90, 0x00]);
    expect(await probe(new Uint8Array([...tag(200_000), ...cbr]))).toEqual({ format: 'mp3', seconds: 10 });
    expect(await probe(new Uint8Array([...tag(200_000), ...constantFlac({ seconds: 2 })]))).toEqual({ format: 'flac', seconds: 2 });
  });

  test('MP4/M4A: mvhd duration / timescale, also with moov after mdat', async () => {
    const mvhd = box('mvhd', [0, 0, 0, 0, ...be32(0), ...be32(0), ...be32(1000), ...be32(90_500), ...new Array(80).fill(0)]);
    const file = new Uint8Array([...box('ftyp', text('M4A isomiso2')), ...box('mdat', new Array(5000).fill(1)), ...box('moov', mvhd)]);
    expect(await probe(file)).toEqual({ format: 'mp4', seconds: 90.5 });
  });

  test('WebM: Info Duration; without it (MediaRecorder) the last cluster timecode plus a cluster span', async () => {
    const ebmlHeader = [0x1a, 0x45, 0xdf, 0xa3, 0x80]; // empty EBML header
    const f64 = (x: number) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, x);
      return [...b];
    };
    const info = [0x15, 0x49, 0xa9, 0x66, 0x80 | 18, 0x2a, 0xd7, 0xb1, 0x83, 0x0f, 0x42, 0x40, 0x44, 0x89, 0x88, ...f64(12_345)];
    const withDuration = new Uint8Array([...ebmlHeader, 0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...info]);
    expect(await probe(withDuration)).toEqual({ format: 'webm', seconds: 12.345 });
    const cluster = (ms: number) => [0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xe7, 0x84, ...be32(ms), 0xa3, 0x81, 0];
    const live = new Uint8Array([...ebmlHeader, 0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...cluster(0), ...cluster(60_000)]);
    expect((await probe(live))?.seconds).toBeCloseTo(60 + 32.768, 6);
  });

  test('unknown containers give null', async () => {
    expect(await probe(new TextEncoder().encode('just some text, not audio'))).toBeNull();
  });
});

describe('openAudioFile refuses before decoding', () => {
  const original = (globalThis as { OfflineAudioContext?: unknown }).OfflineAudioContext;
  afterEach(() => {
    (globalThis as { OfflineAudioContext?: unknown }).OfflineAudioContext = original;
  });
  /** A stand-in Web Audio decoder that records what it was asked to decode. */
  function stubDecoder(): { decoded: number[] } {
    const seen = { decoded: [] as number[] };
    (globalThis as { OfflineAudioContext?: unknown }).OfflineAudioContext = class {
      async decodeAudioData(data: ArrayBuffer) {
        seen.decoded.push(data.byteLength);
        const length = 16000;
        return { length, duration: 1, sampleRate: 16000, numberOfChannels: 1, getChannelData: () => new Float32Array(length) };
      }
    };
    return seen;
  }

  test('a 188 KB FLAC of 4 h of 48 kHz stereo silence: refused in well under 2 s with a message about its duration', async () => {
    const seen = stubDecoder();
    const bomb = constantFlac({ seconds: 4 * 3600 });
    expect(bomb.length).toBeLessThan(200_000);
    const t0 = performance.now();
    const err = openAudioFile(new File([bomb], 'silence.flac'));
    await expect(err).rejects.toMatchObject({ code: 'too-long', message: expect.stringContaining('The file is 4 h 00 min long (from its FLAC header)') });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(seen.decoded).toEqual([]); // never handed to the decoder
  });

  test('a FLAC whose header hides its length is refused; a short honest one is decoded', async () => {
    const seen = stubDecoder();
    await expect(openAudioFile(new File([constantFlac({ seconds: 2, declaredSamples: 0 })], 'x.flac'))).rejects.toMatchObject({
      code: 'unknown-duration',
      message: expect.stringContaining('cannot be read from its header'),
    });
    await expect(openAudioFile(new File([new TextEncoder().encode('JUNK, no container at all')], 'x.mp3'))).rejects.toMatchObject({
      code: 'not-audio',
      message: expect.stringContaining('not audio the browser can decode'),
    });
    const ok = constantFlac({ seconds: 2 });
    const opened = await openAudioFile(new File([ok], 'ok.flac'));
    expect(opened.info.decoder).toBe('browser');
    expect(seen.decoded).toEqual([ok.length]);
  });
});
