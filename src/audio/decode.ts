/**
 * Audio file -> 16 kHz mono chunks for the segmenter.
 *
 * - WAV (any PCM/float/A-law/mu-law, any rate, any channel count): parsed here and
 *   streamed chunk by chunk through the {@link Resampler}; memory stays bounded whatever
 *   the length. Limit: {@link MAX_WAV_SECONDS}.
 * - Everything else the browser can decode (mp3, ogg, flac, webm, m4a, aiff): decoded whole by
 *   `OfflineAudioContext.decodeAudioData` at 16 kHz (the browser's own anti-aliased
 *   resampler), channels averaged here. The whole file is decoded in memory, hence the
 *   limits {@link MAX_COMPRESSED_BYTES} and {@link MAX_COMPRESSED_SECONDS}; the duration is
 *   read from the container's headers first (a few KB of FLAC can hold hours of silence),
 *   and a file whose headers do not give it is refused.
 */
import { SAMPLE_RATE } from '../env';
import { declaredDuration, type ReadBytes } from './container-duration';
import { Resampler } from './resample';
import { WavError, decodeWavChunk, readWavHeader, type WavInfo } from './wav';

/** Longest WAV file accepted (3 hours). */
export const MAX_WAV_SECONDS = 3 * 60 * 60;
/** Largest non-WAV file accepted (decoded whole by the browser): 50 MB, ~50 min of 128 kbit/s MP3. */
export const MAX_COMPRESSED_BYTES = 50 * 1024 * 1024;
/** Longest non-WAV file accepted (checked from its headers before decoding, and again after). */
export const MAX_COMPRESSED_SECONDS = 60 * 60;
/** Lowest WAV sample rate accepted (below: refused as unsupported; usually a corrupt header). */
export const MIN_WAV_RATE = 4000;
/** Highest WAV sample rate accepted. */
export const MAX_WAV_RATE = 768000;
/** Output rate. */
export const DECODE_SAMPLE_RATE = SAMPLE_RATE;

/** Bytes read up front to recognise the container (WAV chunks are walked separately, without a cap). */
const HEADER_BYTES = 64 << 10;
/** Seconds of audio per chunk handed to the segmenter. */
export const CHUNK_SECONDS = 2;

/** Why a file could not be decoded. */
export type AudioDecodeErrorCode =
  | 'empty'
  | 'not-audio'
  | 'corrupt'
  | 'unsupported-format'
  | 'no-audio'
  | 'too-long'
  | 'too-large'
  | 'unknown-duration'
  | 'decode-failed';

/** Typed decode error; `message` is written for the user. */
export class AudioDecodeError extends Error {
  readonly code: AudioDecodeErrorCode;
  constructor(code: AudioDecodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AudioDecodeError';
    this.code = code;
  }
}

/** What was found in the file. */
export interface AudioFileInfo {
  /** 'wav' (own parser, streamed) or 'browser' (decodeAudioData). */
  decoder: 'wav' | 'browser';
  /** Rate of the file (for 'browser': the rate it was decoded at, 16000). */
  sampleRate: number;
  channels: number;
  /** Duration of the audio present, in seconds. */
  durationSeconds: number;
  /** WAV whose data ends before the header says: what is there is decoded. */
  truncated: boolean;
  /** A message for the user when something is off but decoding goes on (e.g. truncation). */
  warning?: string;
}

/** Decoding progress. */
export interface DecodeProgress {
  /** Seconds of audio decoded so far. */
  seconds: number;
  /** Total seconds in the file. */
  totalSeconds: number;
  /** seconds / totalSeconds, 0..1. */
  fraction: number;
}

/** An opened file: its info now, its audio as a stream. */
export interface OpenedAudio {
  info: AudioFileInfo;
  /** 16 kHz mono chunks (a few seconds each); each chunk owns its buffer (safe to transfer). Iterate once. */
  chunks: AsyncIterable<Float32Array>;
}

/** The parts of a Blob the decoder reads (a File or Blob fits). */
export interface BlobSource {
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

function fileName(file: BlobSource): string {
  return 'name' in file && typeof file.name === 'string' ? file.name : '';
}

/** Magic numbers of containers decodeAudioData may handle. */
function looksLikeCompressedAudio(b: Uint8Array): boolean {
  const s = (at: number, t: string) => [...t].every((c, i) => b[at + i] === c.charCodeAt(0));
  return (
    s(0, 'ID3') || // mp3 with ID3v2
    (b[0] === 0xff && (b[1] & 0xe0) === 0xe0) || // mpeg/aac frame sync
    s(0, 'OggS') ||
    s(0, 'fLaC') ||
    (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) || // webm/matroska
    s(4, 'ftyp') || // mp4/m4a
    s(0, 'FORM') || // aiff
    s(0, 'caff')
  );
}

function fromWavError(e: WavError): AudioDecodeError {
  const code: AudioDecodeErrorCode =
    e.code === 'empty' ? 'empty' : e.code === 'not-wav' ? 'not-audio' : e.code === 'corrupt-header' ? 'corrupt' : 'unsupported-format';
  return new AudioDecodeError(code, e.message, { cause: e });
}

/**
 * Opens an audio file: validates it and returns its info and a stream of 16 kHz mono chunks.
 * @throws AudioDecodeError (empty, not audio, corrupt, unsupported, too long/large, decode failure)
 */
export async function openAudioFile(file: BlobSource, onProgress?: (p: DecodeProgress) => void): Promise<OpenedAudio> {
  if (file.size === 0) throw new AudioDecodeError('empty', 'The file is empty.');
  const head = new Uint8Array(await file.slice(0, Math.min(file.size, HEADER_BYTES)).arrayBuffer());
  const isRiff = head.length >= 4 && head[0] === 0x52 && head[1] === 0x49 && head[2] === 0x46 && (head[3] === 0x46 || head[3] === 0x58);
  const isRf64 = head.length >= 4 && (String.fromCharCode(...head.subarray(0, 4)) === 'RF64' || String.fromCharCode(...head.subarray(0, 4)) === 'BW64');
  if (isRiff || isRf64) return openWav(file, head, onProgress);
  if (!looksLikeCompressedAudio(head) && /\.wav$/i.test(fileName(file))) {
    throw new AudioDecodeError('not-audio', 'Not a WAV file: the file is named .wav but its content is not WAV audio.');
  }
  return openCompressed(file, head, onProgress);
}

/** Reads of `file`, served from `head` (its first bytes, already read) where they fall inside it. */
function reader(file: BlobSource, head: Uint8Array): ReadBytes {
  return async (offset, length) =>
    offset + length <= head.length ? head.subarray(offset, offset + length) : new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
}

/**
 * Decodes a file to 16 kHz mono chunks (convenience over {@link openAudioFile}).
 * Errors are thrown from the first iteration.
 */
export async function* decodeAudioFile(file: BlobSource, onProgress?: (p: DecodeProgress) => void): AsyncGenerator<Float32Array> {
  const { chunks } = await openAudioFile(file, onProgress);
  yield* chunks;
}

async function openWav(file: BlobSource, head: Uint8Array, onProgress?: (p: DecodeProgress) => void): Promise<OpenedAudio> {
  let info: WavInfo;
  try {
    info = await readWavHeader(reader(file, head), file.size);
  } catch (e) {
    if (e instanceof WavError) throw fromWavError(e);
    throw e;
  }
  if (info.sampleRate < MIN_WAV_RATE || info.sampleRate > MAX_WAV_RATE) {
    throw new AudioDecodeError('unsupported-format', `A sample rate of ${info.sampleRate} Hz is not supported (${MIN_WAV_RATE / 1000}-${MAX_WAV_RATE / 1000} kHz).`);
  }
  if (info.frames === 0) throw new AudioDecodeError('no-audio', 'The WAV file contains no audio samples.');
  if (info.durationSeconds > MAX_WAV_SECONDS) {
    throw new AudioDecodeError('too-long', `The file is ${formatDuration(info.durationSeconds)} long; files up to ${formatDuration(MAX_WAV_SECONDS)} are supported.`);
  }
  const warning = info.truncated
    ? `The file is truncated: its header announces ${formatDuration(info.declaredFrames / info.sampleRate)} but only ${formatDuration(info.durationSeconds)} is present. The part present is analysed.`
    : undefined;
  return {
    info: { decoder: 'wav', sampleRate: info.sampleRate, channels: info.channels, durationSeconds: info.durationSeconds, truncated: info.truncated, warning },
    chunks: wavChunks(file, info, onProgress),
  };
}

async function* wavChunks(file: BlobSource, info: WavInfo, onProgress?: (p: DecodeProgress) => void): AsyncGenerator<Float32Array> {
  const resampler = new Resampler(info.sampleRate, DECODE_SAMPLE_RATE);
  const framesPerChunk = Math.max(1, Math.min(Math.round(info.sampleRate * CHUNK_SECONDS), Math.floor((4 << 20) / info.blockAlign)));
  const mono = new Float32Array(framesPerChunk);
  for (let f = 0; f < info.frames; f += framesPerChunk) {
    const end = Math.min(info.frames, f + framesPerChunk);
    const bytes = new Uint8Array(await file.slice(info.dataOffset + f * info.blockAlign, info.dataOffset + end * info.blockAlign).arrayBuffer());
    const samples = decodeWavChunk(info, bytes, mono);
    const out = resampler.process(samples);
    onProgress?.({ seconds: end / info.sampleRate, totalSeconds: info.durationSeconds, fraction: end / info.frames });
    if (out.length) yield out.slice();
  }
  const tail = resampler.flush();
  if (tail.length) yield tail;
}

async function openCompressed(file: BlobSource, head: Uint8Array, onProgress?: (p: DecodeProgress) => void): Promise<OpenedAudio> {
  if (file.size > MAX_COMPRESSED_BYTES) {
    throw new AudioDecodeError(
      'too-large',
      `The file is ${(file.size / 1048576).toFixed(0)} MB; compressed audio (mp3, ogg, flac, webm, m4a) up to ${MAX_COMPRESSED_BYTES / 1048576} MB is supported. Convert longer recordings to WAV (up to ${formatDuration(MAX_WAV_SECONDS)}).`,
    );
  }
  if (typeof OfflineAudioContext === 'undefined') {
    throw new AudioDecodeError('unsupported-format', 'Only WAV files can be decoded here (no Web Audio decoder available).');
  }
  await checkDeclaredDuration(file, head);
  const data = await file.slice(0).arrayBuffer();
  let buffer: AudioBuffer;
  try {
    // Decoding resamples to the context rate: 16 kHz directly.
    const ctx = new OfflineAudioContext(1, 1, DECODE_SAMPLE_RATE);
    buffer = await ctx.decodeAudioData(data);
  } catch (e) {
    throw notAudio(e);
  }
  if (buffer.length === 0) throw new AudioDecodeError('no-audio', 'The file contains no audio samples.');
  if (buffer.duration > MAX_COMPRESSED_SECONDS) {
    throw new AudioDecodeError('too-long', `The file is ${formatDuration(buffer.duration)} long; compressed files up to ${formatDuration(MAX_COMPRESSED_SECONDS)} are supported. Convert it to WAV for up to ${formatDuration(MAX_WAV_SECONDS)}.`);
  }
  return {
    info: { decoder: 'browser', sampleRate: buffer.sampleRate, channels: buffer.numberOfChannels, durationSeconds: buffer.duration, truncated: false },
    chunks: bufferChunks(buffer, onProgress),
  };
}

function notAudio(cause?: unknown): AudioDecodeError {
  const message = 'This file is not audio the browser can decode (supported: WAV, and mp3, ogg, flac, webm, m4a where the browser supports them).';
  return new AudioDecodeError('not-audio', message, cause === undefined ? undefined : { cause });
}

/**
 * Refuses, before decoding, a file whose headers declare more than {@link MAX_COMPRESSED_SECONDS}
 * or do not declare a duration at all: decoding allocates the whole file as float samples.
 */
async function checkDeclaredDuration(file: BlobSource, head: Uint8Array): Promise<void> {
  const declared = await declaredDuration(head, file.size, reader(file, head));
  if (declared === null && !looksLikeCompressedAudio(head)) throw notAudio();
  if (declared === null || declared.seconds === null) {
    throw new AudioDecodeError(
      'unknown-duration',
      `The length of this ${declared ? `${declared.format.toUpperCase()} ` : ''}file cannot be read from its header, so it is not decoded (a small compressed file can expand to hours of audio). Convert it to WAV, or to mp3, ogg, flac or m4a with a complete header.`,
    );
  }
  if (declared.seconds > MAX_COMPRESSED_SECONDS) {
    throw new AudioDecodeError(
      'too-long',
      `The file is ${formatDuration(declared.seconds)} long (from its ${declared.format.toUpperCase()} header); compressed files up to ${formatDuration(MAX_COMPRESSED_SECONDS)} are supported. Convert it to WAV for up to ${formatDuration(MAX_WAV_SECONDS)}.`,
    );
  }
}

async function* bufferChunks(buffer: AudioBuffer, onProgress?: (p: DecodeProgress) => void): AsyncGenerator<Float32Array> {
  const step = DECODE_SAMPLE_RATE * CHUNK_SECONDS;
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
  for (let at = 0; at < buffer.length; at += step) {
    const end = Math.min(buffer.length, at + step);
    const out = channels[0].slice(at, end);
    for (let c = 1; c < channels.length; c++) {
      const ch = channels[c];
      for (let i = at; i < end; i++) out[i - at] += ch[i];
    }
    if (channels.length > 1) for (let i = 0; i < out.length; i++) out[i] /= channels.length;
    onProgress?.({ seconds: end / buffer.sampleRate, totalSeconds: buffer.duration, fraction: end / buffer.length });
    yield out;
  }
}

/** "1 h 05 min", "3 min 20 s", "12.5 s". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
