/**
 * WAV (RIFF/WAVE) parser that decodes in chunks, so a long file never needs all of its
 * samples in memory: {@link readWavHeader} walks the chunk list from the start of the
 * file, then {@link decodeWavChunk} turns any whole-frame slice of the data chunk into
 * mono Float32 at the file's own rate (channels averaged).
 */

/** Why a WAV file could not be read. */
export type WavErrorCode = 'empty' | 'not-wav' | 'corrupt-header' | 'unsupported-format';

/** Typed error with a human-readable message. */
export class WavError extends Error {
  /** Machine-readable reason. */
  readonly code: WavErrorCode;
  constructor(code: WavErrorCode, message: string) {
    super(message);
    this.name = 'WavError';
    this.code = code;
  }
}

/** Sample encodings the decoder understands. */
export type WavEncoding = 'pcm' | 'float' | 'alaw' | 'mulaw';

/** What the header says, plus what is actually present in the file. */
export interface WavInfo {
  /** Sample encoding (WAVE_FORMAT_EXTENSIBLE resolved to its sub-format). */
  encoding: WavEncoding;
  /** Format tag from the fmt chunk (1, 3, 6, 7 or 0xFFFE). */
  formatTag: number;
  sampleRate: number;
  channels: number;
  /** Bits per sample as stored (container size). */
  bitsPerSample: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** Byte offset of the first sample in the file. */
  dataOffset: number;
  /** Frames the header promises. */
  declaredFrames: number;
  /** Frames actually present (fewer than declared when truncated). */
  frames: number;
  /** True when the file ends before the data chunk the header declares. */
  truncated: boolean;
  /** frames / sampleRate. */
  durationSeconds: number;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

function encodingOf(tag: number): WavEncoding | null {
  switch (tag) {
    case FORMAT_PCM:
      return 'pcm';
    case FORMAT_FLOAT:
      return 'float';
    case FORMAT_ALAW:
      return 'alaw';
    case FORMAT_MULAW:
      return 'mulaw';
    default:
      return null;
  }
}

/** A read the chunk walker asks for: `length` bytes at `offset` (fewer at the end of the file). */
export interface ByteRequest {
  offset: number;
  length: number;
}

/** Most chunks walked before `data` (a real file has a handful; this bounds work on junk). */
const MAX_CHUNKS = 4096;

/**
 * Walks the RIFF chunk list from byte 12 up to the `data` chunk, asking its driver for
 * each chunk header (8 bytes) and the `fmt ` body only: chunks before `data` (LIST, bext,
 * iXML, ...) are skipped by their size, however large, without reading them.
 */
function* walkWav(fileSize: number): Generator<ByteRequest, WavInfo, Uint8Array> {
  if (fileSize === 0) throw new WavError('empty', 'The file is empty.');
  const riff = yield { offset: 0, length: 12 };
  if (riff.length === 0) throw new WavError('empty', 'The file is empty.');
  if (riff.length < 12) throw new WavError('not-wav', 'Not a WAV file (too short for a RIFF header).');
  const id = fourcc(riff, 0);
  if (id === 'RF64' || id === 'BW64') {
    throw new WavError('unsupported-format', 'RF64 WAV files (over 4 GB) are not supported.');
  }
  if (id === 'RIFX') throw new WavError('unsupported-format', 'Big-endian WAV (RIFX) is not supported.');
  if (id !== 'RIFF' || fourcc(riff, 8) !== 'WAVE') throw new WavError('not-wav', 'Not a WAV file (no RIFF/WAVE header).');

  let fmt: Omit<WavInfo, 'dataOffset' | 'declaredFrames' | 'frames' | 'truncated' | 'durationSeconds'> | null = null;
  let pos = 12;
  for (let n = 0; pos + 8 <= fileSize && n < MAX_CHUNKS; n++) {
    const h = yield { offset: pos, length: 8 };
    if (h.length < 8) break;
    const chunk = fourcc(h, 0);
    const size = new DataView(h.buffer, h.byteOffset, 8).getUint32(4, true);
    const body = pos + 8;
    if (chunk === 'fmt ') {
      const b = size >= 16 ? yield { offset: body, length: Math.min(size, 40) } : new Uint8Array(0);
      if (size < 16 || b.length < 16) throw new WavError('corrupt-header', 'Corrupt WAV header (fmt chunk too short).');
      fmt = readFmt(new DataView(b.buffer, b.byteOffset, b.byteLength), 0, size);
    } else if (chunk === 'data') {
      if (!fmt) throw new WavError('corrupt-header', 'Corrupt WAV header (data chunk before fmt chunk).');
      const available = Math.max(0, fileSize - body);
      // 0xFFFFFFFF (and 0 followed by bytes) is what streaming writers leave: "until EOF".
      const open = size === 0xffffffff || (size === 0 && available > 0);
      const declaredBytes = open ? available : size;
      const frames = Math.floor(Math.min(declaredBytes, available) / fmt.blockAlign);
      return {
        ...fmt,
        dataOffset: body,
        declaredFrames: Math.floor(declaredBytes / fmt.blockAlign),
        frames,
        truncated: declaredBytes > available,
        durationSeconds: frames / fmt.sampleRate,
      };
    }
    pos = body + size + (size & 1); // chunks are word-aligned
  }
  throw new WavError('corrupt-header', fmt ? 'Corrupt WAV header (no data chunk).' : 'Corrupt WAV header (no fmt chunk).');
}

/**
 * Parses the header of a WAV file held in memory.
 *
 * @param head - the first bytes of the file; must include everything up to the start of
 *   the `data` chunk (use {@link readWavHeader} to read a file of any layout)
 * @param fileSize - total file size in bytes (defaults to `head.length`), used to detect
 *   truncation without reading the whole file
 * @throws WavError with code `empty`, `not-wav`, `corrupt-header` or `unsupported-format`
 */
export function parseWavHeader(head: Uint8Array, fileSize = head.length): WavInfo {
  if (head.length === 0) throw new WavError('empty', 'The file is empty.');
  const walk = walkWav(fileSize);
  let step = walk.next();
  while (!step.done) {
    const { offset, length } = step.value;
    if (offset + Math.min(length, 8) > head.length && offset < fileSize) {
      throw new WavError('corrupt-header', 'Corrupt WAV header (no data chunk in the bytes given).');
    }
    step = walk.next(head.subarray(offset, offset + length));
  }
  return step.value;
}

/**
 * Parses the header of a WAV file of any size, reading only the chunk headers it walks
 * past (a 2 MB LIST chunk before `data` costs one 8-byte read).
 * @throws WavError as {@link parseWavHeader}
 */
export async function readWavHeader(read: (offset: number, length: number) => Promise<Uint8Array>, fileSize: number): Promise<WavInfo> {
  const walk = walkWav(fileSize);
  let step = walk.next();
  while (!step.done) {
    const { offset, length } = step.value;
    step = walk.next(await read(offset, Math.max(0, Math.min(length, fileSize - offset))));
  }
  return step.value;
}

function readFmt(view: DataView, at: number, size: number) {
  let formatTag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (formatTag === FORMAT_EXTENSIBLE) {
    if (size < 40 || at + 40 > view.byteLength) throw new WavError('corrupt-header', 'Corrupt WAV header (short WAVE_FORMAT_EXTENSIBLE).');
    formatTag = view.getUint16(at + 24, true); // first two bytes of the sub-format GUID
  }
  const encoding = encodingOf(formatTag);
  if (!encoding) {
    throw new WavError('unsupported-format', `Unsupported WAV sample format (format code 0x${formatTag.toString(16)}); use PCM, float, A-law or mu-law.`);
  }
  if (channels < 1 || sampleRate < 1 || sampleRate > 1_000_000 || blockAlign < 1 || blockAlign % channels !== 0) {
    throw new WavError('corrupt-header', `Corrupt WAV header (channels ${channels}, rate ${sampleRate} Hz, block ${blockAlign} bytes).`);
  }
  const bytes = blockAlign / channels;
  const ok =
    (encoding === 'pcm' && bytes >= 1 && bytes <= 4 && bitsPerSample <= bytes * 8) ||
    (encoding === 'float' && (bytes === 4 || bytes === 8)) ||
    ((encoding === 'alaw' || encoding === 'mulaw') && bytes === 1);
  if (!ok) {
    throw new WavError('unsupported-format', `Unsupported WAV sample size: ${bitsPerSample}-bit ${encoding} in ${bytes}-byte samples.`);
  }
  return { encoding, formatTag: view.getUint16(at, true), sampleRate, channels, bitsPerSample: bytes * 8, blockAlign };
}

/** G.711 A-law byte -> linear value in [-1, 1]. */
function alawToLinear(a: number): number {
  const v = a ^ 0x55;
  const seg = (v & 0x70) >> 4;
  let t = (v & 0x0f) << 4;
  t += 8;
  if (seg >= 1) t += 0x100;
  if (seg > 1) t <<= seg - 1;
  return ((v & 0x80) ? t : -t) / 32768;
}

/** G.711 mu-law byte -> linear value in [-1, 1]. */
function mulawToLinear(u: number): number {
  const v = ~u & 0xff;
  let t = ((v & 0x0f) << 3) + 0x84;
  t <<= (v & 0x70) >> 4;
  return ((v & 0x80) ? 0x84 - t : t - 0x84) / 32768;
}

const ALAW = Float32Array.from({ length: 256 }, (_, i) => alawToLinear(i));
const MULAW = Float32Array.from({ length: 256 }, (_, i) => mulawToLinear(i));

/**
 * Decodes whole frames of the data chunk to mono Float32 (channels averaged).
 *
 * @param info - from {@link parseWavHeader}
 * @param bytes - a slice of the data chunk starting on a frame boundary; a trailing
 *   partial frame is ignored
 * @param out - optional destination with room for `floor(bytes.length / blockAlign)` samples
 * @returns the decoded samples (a view of `out` when given)
 */
export function decodeWavChunk(info: WavInfo, bytes: Uint8Array, out?: Float32Array): Float32Array {
  const { channels, blockAlign, encoding } = info;
  const frames = Math.floor(bytes.length / blockAlign);
  const dst = out ? out.subarray(0, frames) : new Float32Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bps = blockAlign / channels;
  const read = sampleReader(encoding, bps, view, bytes);
  const scale = 1 / channels;
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    const at = f * blockAlign;
    for (let c = 0; c < channels; c++) acc += read(at + c * bps);
    dst[f] = acc * scale;
  }
  return dst;
}

function sampleReader(encoding: WavEncoding, bps: number, view: DataView, bytes: Uint8Array): (at: number) => number {
  if (encoding === 'alaw') return (at) => ALAW[bytes[at]];
  if (encoding === 'mulaw') return (at) => MULAW[bytes[at]];
  if (encoding === 'float') return bps === 4 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  switch (bps) {
    case 1:
      return (at) => (bytes[at] - 128) / 128; // 8-bit WAV is unsigned
    case 2:
      return (at) => view.getInt16(at, true) / 32768;
    case 3:
      return (at) => ((bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) << 8 >> 8) / 8388608;
    default:
      return (at) => view.getInt32(at, true) / 2147483648;
  }
}

/** Decodes a whole in-memory WAV file to mono Float32 at its own rate (small files, tests). */
export function decodeWav(file: Uint8Array): { info: WavInfo; samples: Float32Array } {
  const info = parseWavHeader(file);
  const data = file.subarray(info.dataOffset, info.dataOffset + info.frames * info.blockAlign);
  return { info, samples: decodeWavChunk(info, data) };
}
