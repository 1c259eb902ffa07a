/**
 * Issue 9, bad input at the decoder level (Node, no browser): the same generated files as
 * the E2E test, with numeric checks the UI cannot show: every encoding decodes to the
 * signal it holds, errors carry the right code, a 2-hour file is read in bounded slices.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { AudioDecodeError, MAX_WAV_SECONDS, openAudioFile, type BlobSource } from '../../src/audio/decode';
import { resample } from '../../src/audio/resample';
import { fixtureDir, threeUtterances16k, wavHeader, writeBadInputs, type BadInput } from '../e2e/reliability-fixtures';

let dir: string;
let inputs: Map<string, BadInput>;
let speech: Float32Array;

beforeAll(() => {
  dir = fixtureDir('unit-bad');
  inputs = new Map(writeBadInputs(dir).map((i) => [i.name, i]));
  speech = threeUtterances16k();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const blob = (name: string) => Object.assign(new Blob([readFileSync(inputs.get(name)!.path)]), { name });

async function decode(name: string) {
  const { info, chunks } = await openAudioFile(blob(name));
  const parts: Float32Array[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return { info, samples: out };
}

async function code(name: string): Promise<string> {
  try {
    await decode(name);
    return 'no error';
  } catch (e) {
    return e instanceof AudioDecodeError ? e.code : String(e);
  }
}

/** Signal-to-error ratio in dB of `got` against `ref * gain` over their common length. */
function snrDb(got: Float32Array, ref: Float32Array, gain = 1): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < Math.min(got.length, ref.length); i++) {
    s += (ref[i] * gain) ** 2;
    e += (got[i] - ref[i] * gain) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1e-20));
}

describe('bad files fail with a specific code and message', () => {
  test.each([
    ['empty.wav', 'empty'],
    ['corrupt-header.wav', 'corrupt'],
    ['not-audio.wav', 'not-audio'],
  ])('%s -> %s', async (name, expected) => {
    expect(await code(name)).toBe(expected);
  });

  test('a file over the 3-hour limit is refused from its header, without reading its data', async () => {
    const frames = 16000 * (MAX_WAV_SECONDS + 60);
    const head = wavHeader(16000, 1, 's16', frames * 2);
    let read = 0;
    const huge: BlobSource = {
      size: head.length + frames * 2,
      type: 'audio/wav',
      slice: (start = 0, end = huge.size) => ({
        arrayBuffer: async () => {
          read += end - start;
          const b = new Uint8Array(end - start);
          b.set(head.subarray(start, Math.min(end, head.length)));
          return b.buffer;
        },
      }),
    };
    await expect(openAudioFile(huge)).rejects.toMatchObject({ code: 'too-long', message: expect.stringMatching(/3 h 01 min long; files up to 3 h 00 min/) });
    expect(read).toBeLessThanOrEqual(1 << 20);
  });
});

describe('every encoding decodes to the signal it holds', () => {
  test.each([
    ['pcm24.wav', 1, 80],
    ['float32.wav', 1, 80],
    ['pcm8.wav', 1, 20],
    ['alaw.wav', 1, 25],
    ['six-channel.wav', 0.5, 40], // 3 of 6 channels carry speech: the average is half of it
  ])('%s (gain %f): SNR above %d dB', async (name, gain, minDb) => {
    const { info, samples } = await decode(name);
    expect(info.durationSeconds).toBeCloseTo(11.5, 3);
    expect(samples.length).toBe(speech.length);
    expect(snrDb(samples, speech, gain)).toBeGreaterThan(minDb);
  });

  test('96 kHz is resampled back to the 16 kHz signal', async () => {
    const { info, samples } = await decode('rate96k.wav');
    expect(info.sampleRate).toBe(96000);
    expect(Math.abs(samples.length - speech.length)).toBeLessThanOrEqual(2);
    expect(snrDb(samples, speech)).toBeGreaterThan(20);
  });

  test('8 kHz keeps the speech band: same as the 16 kHz signal low-passed through the app resampler', async () => {
    const { samples } = await decode('rate8k.wav');
    const narrow = resample(resample(speech, 16000, 8000), 8000, 16000);
    expect(snrDb(samples, narrow)).toBeGreaterThan(15);
  });

  test('a truncated file decodes what is present and says so', async () => {
    const { info, samples } = await decode('truncated.wav');
    expect(info.truncated).toBe(true);
    expect(info.durationSeconds).toBeCloseTo(5.5, 3);
    expect(info.warning).toMatch(/truncated: its header announces 11\.5 s but only 5\.5 s is present/);
    expect(snrDb(samples, speech.subarray(0, samples.length))).toBeGreaterThan(80);
  });

  test('clipping and silence decode without error', async () => {
    expect((await decode('clipped.wav')).samples.every((v) => Math.abs(v) <= 1)).toBe(true);
    expect((await decode('silence.wav')).samples.every((v) => v === 0)).toBe(true);
  });
});

test('a 2-hour file is read in bounded slices and chunks, lazily', async () => {
  const rate = 8000;
  const frames = rate * 2 * 3600;
  const head = wavHeader(rate, 1, 's16', frames * 2);
  const slices: number[] = [];
  const file: BlobSource = {
    size: head.length + frames * 2,
    type: 'audio/wav',
    slice: (start = 0, end = file.size) => ({
      arrayBuffer: async () => {
        slices.push(end - start);
        const b = new Uint8Array(end - start);
        if (start < head.length) b.set(head.subarray(start, Math.min(end, head.length)));
        return b.buffer;
      },
    }),
  };
  const { info, chunks } = await openAudioFile(file);
  expect(info.durationSeconds).toBe(7200);
  let n = 0;
  for await (const c of chunks) {
    expect(c.length).toBeLessThanOrEqual(16000 * 2 + 64); // ~2 s at 16 kHz per chunk
    if (++n === 20) break;
  }
  expect(Math.max(...slices.slice(1))).toBeLessThanOrEqual(4 << 20);
  expect(slices.length).toBeLessThanOrEqual(22); // the header read + one slice per chunk, not the whole file
});
