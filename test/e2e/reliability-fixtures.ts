/**
 * Audio fixtures for the reliability tests, generated at test time into a temp folder
 * (nothing here is committed; speech comes from ../shared/data/fixtures at run time).
 * WAV writers for every sample format the app claims to read, bad files built byte by
 * byte, and a long mostly-silent WAV written as a stream (memory stays small).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SHARED_FIXTURES = resolve(__dirname, '../../../shared/data/fixtures');

/** Sample encodings the writer produces. */
export type SampleFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'alaw';

const BYTES: Record<SampleFormat, number> = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, alaw: 1 };
const TAG: Record<SampleFormat, number> = { u8: 1, s16: 1, s24: 1, s32: 1, f32: 3, alaw: 6 };

/** A fresh temp folder for one test file's fixtures. */
export function fixtureDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ser-${prefix}-`));
}

/** 44-byte canonical header; `dataBytes` is what the header claims (may differ from what follows). */
export function wavHeader(rate: number, channels: number, format: SampleFormat, dataBytes: number): Buffer {
  const b = Buffer.alloc(44);
  const bps = BYTES[format];
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(TAG[format], 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * channels * bps, 28);
  b.writeUInt16LE(channels * bps, 32);
  b.writeUInt16LE(bps * 8, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(dataBytes, 40);
  return b;
}

/** G.711 A-law encoder (linear [-1, 1] -> byte), the inverse of the app's decoder table. */
function alaw(x: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.round(x * 32768))) >> 3; // 13-bit
  let mask: number;
  if (pcm >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const ends = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
  let seg = ends.findIndex((e) => pcm <= e);
  if (seg < 0) return 0x7f ^ mask;
  const aval = seg << 4;
  return (seg < 2 ? aval | ((pcm >> 1) & 0xf) : aval | ((pcm >> seg) & 0xf)) ^ mask;
}

function writeSample(b: Buffer, at: number, x: number, format: SampleFormat): void {
  const c = Math.max(-1, Math.min(1, x));
  switch (format) {
    case 'u8':
      b[at] = Math.max(0, Math.min(255, Math.round(c * 128 + 128)));
      break;
    case 's16':
      b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(c * 32768))), at);
      break;
    case 's24':
      b.writeIntLE(Math.max(-8388608, Math.min(8388607, Math.round(c * 8388608))), at, 3);
      break;
    case 's32':
      b.writeInt32LE(Math.max(-2147483648, Math.min(2147483647, Math.round(c * 2147483648))), at);
      break;
    case 'f32':
      b.writeFloatLE(x, at); // float WAV may exceed [-1, 1]: written as is
      break;
    case 'alaw':
      b[at] = alaw(c);
      break;
  }
}

/** Interleaved data bytes of `channels` (all the same length). */
export function encodeData(channels: Float32Array[], format: SampleFormat): Buffer {
  const bps = BYTES[format];
  const n = channels[0].length;
  const b = Buffer.alloc(n * channels.length * bps);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels.length; c++) writeSample(b, (i * channels.length + c) * bps, channels[c][i], format);
  return b;
}

/** A complete WAV file. */
export function encodeWav(channels: Float32Array[], rate: number, format: SampleFormat): Buffer {
  const data = encodeData(channels, format);
  return Buffer.concat([wavHeader(rate, channels.length, format, data.length), data]);
}

/** Mono float samples of a 16-bit PCM WAV with a canonical 44-byte header (the shared fixtures). */
export function readPcm16(path: string): { rate: number; samples: Float32Array } {
  const b = readFileSync(path);
  if (b.toString('latin1', 36, 40) !== 'data' || b.readUInt16LE(34) !== 16 || b.readUInt16LE(22) !== 1) {
    throw new Error(`${path}: expected mono 16-bit PCM with a 44-byte header`);
  }
  const n = b.readUInt32LE(40) / 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = b.readInt16LE(44 + 2 * i) / 32768;
  return { rate: b.readUInt32LE(24), samples: out };
}

/** Three EmoDB utterances separated by 1.5 s of silence, 16 kHz (11.5 s). */
export function threeUtterances16k(): Float32Array {
  return readPcm16(join(SHARED_FIXTURES, 'three_utterances_16k.wav')).samples;
}

/**
 * Linear-interpolation rate change. Good enough to build an input file at another rate
 * (the app's own resampler is what is under test, not this).
 */
export function changeRate(input: Float32Array, from: number, to: number): Float32Array {
  const x = to < from ? lowpass(input, (0.45 * to) / from) : input;
  const n = Math.floor((x.length * to) / from);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = (i * from) / to;
    const k = Math.floor(t);
    const f = t - k;
    out[i] = x[k] * (1 - f) + (x[Math.min(k + 1, x.length - 1)] ?? 0) * f;
  }
  return out;
}

/** Hann-windowed-sinc low-pass (63 taps), cutoff as a fraction of the sample rate. */
function lowpass(x: Float32Array, cutoff: number): Float32Array {
  const half = 31;
  const taps = Array.from({ length: 2 * half + 1 }, (_, i) => {
    const k = i - half;
    const sinc = k === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * k) / (Math.PI * k);
    return sinc * (0.5 + 0.5 * Math.cos((Math.PI * k) / (half + 1)));
  });
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let acc = 0;
    for (let k = -half; k <= half; k++) acc += (x[i + k] ?? 0) * taps[k + half];
    out[i] = acc;
  }
  return out;
}

/** Deterministic white noise (xorshift), amplitude `amp`. */
export function noise(n: number, amp: number, seed = 12345): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = amp * ((s / 0xffffffff) * 2 - 1);
  }
  return out;
}

/** `x` amplified by `gain` and hard-clipped to [-1, 1]. */
export function clip(x: Float32Array, gain: number): Float32Array {
  return x.map((v) => Math.max(-1, Math.min(1, v * gain)));
}

/** What the UI must show for a file. */
export type Expectation =
  | { status: 'error'; message: RegExp }
  | { status: 'done'; utterances: number | [number, number]; message?: RegExp };

export interface BadInput {
  name: string;
  path: string;
  expect: Expectation;
}

/**
 * Every awkward input of issue 9 (except the long file) written into `dir`.
 * Speech files are the 11.5 s three-utterance fixture in another encoding/rate/layout:
 * each must still give its three utterances.
 */
export function writeBadInputs(dir: string): BadInput[] {
  const speech = threeUtterances16k();
  const out: BadInput[] = [];
  const put = (name: string, bytes: Buffer | Uint8Array, expect: Expectation) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    out.push({ name, path, expect });
  };
  const three: Expectation = { status: 'done', utterances: 3 };

  put('empty.wav', Buffer.alloc(0), { status: 'error', message: /empty/i });
  const full = encodeWav([speech], 16000, 's16');
  // Header claims the whole 11.5 s; only the first 5.5 s (two utterances) are present.
  put('truncated.wav', full.subarray(0, 44 + 16000 * 2 * 5.5), { status: 'done', utterances: 2, message: /truncated/i });
  const corrupt = Buffer.from(full.subarray(0, 16000 * 2));
  corrupt.writeUInt16LE(0, 22); // zero channels
  corrupt.writeUInt16LE(0, 32); // zero block size
  put('corrupt-header.wav', corrupt, { status: 'error', message: /corrupt wav header/i });
  put('not-audio.wav', Buffer.from('%PDF-1.4\nThis is a text document renamed to .wav, not audio at all.\n'.repeat(40)), {
    status: 'error',
    message: /not a wav file/i,
  });
  put('random-bytes.mp3', Buffer.concat([Buffer.from('JUNK'), Buffer.from(noise(4000, 1).buffer)]), { status: 'error', message: /not audio the browser can decode/i });
  put('pcm8.wav', encodeWav([speech], 16000, 'u8'), three);
  put('pcm24.wav', encodeWav([speech], 16000, 's24'), three);
  put('float32.wav', encodeWav([speech], 16000, 'f32'), three);
  put('alaw.wav', encodeWav([speech], 16000, 'alaw'), three);
  put('rate8k.wav', encodeWav([changeRate(speech, 16000, 8000)], 8000, 's16'), three);
  put('rate96k.wav', encodeWav([changeRate(speech, 16000, 96000)], 96000, 's16'), three);
  // 5.1: speech on front left/right and centre, the rest silent or quiet noise.
  const quiet = noise(speech.length, 0.001);
  put('six-channel.wav', encodeWav([speech, speech, speech, quiet, quiet, quiet], 16000, 's16'), three);
  put('silence.wav', encodeWav([new Float32Array(16000 * 5)], 16000, 's16'), { status: 'done', utterances: 0, message: /no speech/i });
  // Loud white noise: whatever the VAD makes of it, the file must finish (0..2 utterances).
  put('noise.wav', encodeWav([noise(16000 * 5, 0.5)], 16000, 's16'), { status: 'done', utterances: [0, 2] });
  put('clipped.wav', encodeWav([clip(speech, 30)], 16000, 's16'), three);
  // 0.2 s of speech: shorter than the VAD's minimum speech length -> no utterance, clear message.
  const blip = speech.subarray(16000 * 1.4, 16000 * 1.6);
  put('blip.wav', encodeWav([blip], 16000, 's16'), { status: 'done', utterances: 0, message: /no speech/i });
  return out;
}

/**
 * Writes a long, mostly-silent mono WAV as a stream (constant memory): `speech` is placed
 * every `everyS` seconds on a near-silent floor. 8 kHz 16-bit: 2 h = 115 MB.
 * @returns the number of speech copies written
 */
export function writeSparseLongWav(path: string, seconds: number, rate: number, speech: Float32Array, everyS: number): number {
  const total = Math.floor(seconds * rate);
  const fd = openSync(path, 'w');
  let copies = 0;
  try {
    writeSync(fd, wavHeader(rate, 1, 's16', total * 2));
    const block = rate * 10; // 10 s per write
    const speechData = encodeData([changeRate(speech, 16000, rate)], 's16');
    const period = Math.round(everyS * rate);
    const silence = Buffer.alloc(block * 2);
    for (let at = 0; at < total; ) {
      const inPeriod = at % period;
      if (inPeriod === 0 && at + speechData.length / 2 <= total) {
        writeSync(fd, speechData);
        at += speechData.length / 2;
        copies++;
      } else {
        const n = Math.min(block, period - inPeriod, total - at);
        writeSync(fd, silence, 0, n * 2);
        at += n;
      }
    }
  } finally {
    closeSync(fd);
  }
  return copies;
}

/** `x` repeated `times` times (fake-microphone input for long sessions). */
export function repeat(x: Float32Array, times: number): Float32Array {
  const out = new Float32Array(x.length * times);
  for (let i = 0; i < times; i++) out.set(x, i * x.length);
  return out;
}
