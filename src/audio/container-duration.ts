/**
 * The duration an audio container declares, read from its headers without decoding: so a
 * small compressed file that expands to hours of audio (a FLAC of silence) is refused
 * before the browser's decoder allocates it. Formats: FLAC (STREAMINFO), Ogg (Vorbis,
 * Opus, FLAC: last page's granule position), MP3 (Xing/Info/VBRI frame count, else
 * constant bit rate), MP4/M4A (mvhd), WebM/Matroska (Info Duration, else the last
 * cluster's timecode), AIFF (COMM). Anything else gives `null`: unknown.
 */

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadBytes = (offset: number, length: number) => Promise<Uint8Array>;

/** What the headers say. */
export interface DeclaredDuration {
  /** Container name, for messages. */
  format: 'flac' | 'ogg' | 'mp3' | 'mp4' | 'webm' | 'aiff';
  /** Seconds of audio, or null when this container does not say. */
  seconds: number | null;
}

const TAIL_BYTES = 1 << 20;
/** Bytes read after an ID3v2 tag that does not fit in the head (frame or STREAMINFO headers). */
const HEAD_AFTER_ID3 = 4096;

const ascii = (b: Uint8Array, at: number, text: string): boolean => [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
const u32be = (b: Uint8Array, at: number): number => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * Reads the declared duration. `head` is the start of the file (64 KiB is plenty); other
 * parts are read through `read`. Returns null when the container is not recognised.
 */
export async function declaredDuration(head: Uint8Array, size: number, read: ReadBytes): Promise<DeclaredDuration | null> {
  // An ID3v2 tag (cover art: often hundreds of KB) may precede MP3 and FLAC data.
  const id3 = id3v2Length(head);
  const after = id3 === 0 ? head : id3 + 64 <= head.length ? head.subarray(id3) : await read(id3, HEAD_AFTER_ID3);
  if (ascii(after, 0, 'fLaC')) return { format: 'flac', seconds: flacStreamInfo(after, 4)?.seconds ?? null };
  if (ascii(head, 0, 'OggS')) return { format: 'ogg', seconds: await oggDuration(head, size, read) };
  if (ascii(head, 4, 'ftyp')) return { format: 'mp4', seconds: await mp4Duration(size, read) };
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return { format: 'webm', seconds: await webmDuration(head, size, read) };
  if (ascii(head, 0, 'FORM') && (ascii(head, 8, 'AIFF') || ascii(head, 8, 'AIFC'))) return { format: 'aiff', seconds: await aiffDuration(size, read) };
  const mp3 = mp3Duration(after, size - id3);
  if (mp3 !== undefined) return { format: 'mp3', seconds: mp3 };
  return null;
}

/** Bytes of an ID3v2 tag at the start (0 when there is none). */
function id3v2Length(b: Uint8Array): number {
  if (!ascii(b, 0, 'ID3') || b.length < 10) return 0;
  const syncsafe = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  return 10 + syncsafe + (b[5] & 0x10 ? 10 : 0);
}

// ---- FLAC ----

/** STREAMINFO block whose header starts at `at`: rate and total samples (0 = unknown). */
function flacStreamInfo(b: Uint8Array, at: number): { rate: number; seconds: number | null } | null {
  if (at + 8 + 18 > b.length || (b[at] & 0x7f) !== 0) return null;
  const s = at + 4 + 10; // block header (4) + min/max block (4) + min/max frame (6)
  const rate = (b[s] << 12) | (b[s + 1] << 4) | (b[s + 2] >> 4);
  const total = (b[s + 3] & 0x0f) * 2 ** 32 + u32be(b, s + 4);
  if (rate === 0) return null;
  return { rate, seconds: total > 0 ? total / rate : null };
}

// ---- Ogg ----

async function oggDuration(head: Uint8Array, size: number, read: ReadBytes): Promise<number | null> {
  if (head.length < 28) return null;
  const serial = view(head).getUint32(14, true);
  const packet = 27 + head[26];
  let rate: number;
  let preSkip = 0;
  if (ascii(head, packet, '\x01vorbis')) rate = view(head).getUint32(packet + 12, true);
  else if (ascii(head, packet, 'OpusHead')) {
    rate = 48000; // Opus granule positions always count 48 kHz samples
    preSkip = view(head).getUint16(packet + 10, true);
  } else if (ascii(head, packet, '\x7fFLAC') && ascii(head, packet + 9, 'fLaC')) {
    const info = flacStreamInfo(head, packet + 13);
    if (!info) return null;
    rate = info.rate;
  } else return null;
  if (!rate) return null;
  // The last page of the stream carries the total sample count as its granule position.
  const start = Math.max(0, size - TAIL_BYTES);
  const tail = await read(start, size - start);
  for (let at = tail.length - 27; at >= 0; at--) {
    if (!ascii(tail, at, 'OggS') || view(tail).getUint32(at + 14, true) !== serial) continue;
    const granule = Number(view(tail).getBigInt64(at + 6, true));
    if (granule >= 0) return Math.max(0, granule - preSkip) / rate;
  }
  return null;
}

// ---- MP3 ----

const MP3_RATES = [
  [11025, 12000, 8000], // MPEG 2.5
  [0, 0, 0],
  [22050, 24000, 16000], // MPEG 2
  [44100, 48000, 32000], // MPEG 1
];
const MP3_KBPS: Record<string, number[]> = {
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};

/**
 * MPEG audio whose first frame starts `b` (after any ID3v2 tag; `size` bytes from there):
 * the frame count of a Xing/Info or VBRI header, else a constant bit rate estimate.
 * undefined: no MPEG audio frame there; null: unknown.
 */
function mp3Duration(b: Uint8Array, size: number): number | null | undefined {
  if (b.length < 4 || b[0] !== 0xff || (b[1] & 0xe0) !== 0xe0) return undefined;
  const version = (b[1] >> 3) & 3; // 0: 2.5, 2: 2, 3: 1
  const layer = 4 - ((b[1] >> 1) & 3); // 1, 2, 3 (4: reserved, e.g. AAC ADTS)
  if (version === 1 || layer === 4) return null;
  const rate = MP3_RATES[version][(b[2] >> 2) & 3];
  const kbps = MP3_KBPS[`${version === 3 ? 1 : 2}-${layer}`][b[2] >> 4];
  if (!rate || kbps === undefined) return null;
  const samplesPerFrame = layer === 1 ? 384 : layer === 2 || version === 3 ? 1152 : 576;
  const mono = b[3] >> 6 === 3;
  const xing = 4 + (version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17);
  if ((ascii(b, xing, 'Xing') || ascii(b, xing, 'Info')) && b[xing + 7] & 1) return (u32be(b, xing + 8) * samplesPerFrame) / rate;
  if (ascii(b, 36, 'VBRI')) return (u32be(b, 50) * samplesPerFrame) / rate;
  if (!kbps) return null; // free format
  return (size * 8) / (kbps * 1000);
}

// ---- MP4 / M4A ----

/** Walks boxes from `start` to `end`, returning the body offset of the first of type `type`. */
async function findBox(read: ReadBytes, start: number, end: number, type: string): Promise<{ body: number; end: number } | null> {
  let pos = start;
  for (let n = 0; pos + 8 <= end && n < 1000; n++) {
    const h = await read(pos, 16);
    if (h.length < 8) return null;
    let boxSize = u32be(h, 0);
    let headerSize = 8;
    if (boxSize === 1) {
      if (h.length < 16) return null;
      boxSize = u32be(h, 8) * 2 ** 32 + u32be(h, 12);
      headerSize = 16;
    } else if (boxSize === 0) boxSize = end - pos;
    if (boxSize < headerSize) return null;
    if (ascii(h, 4, type)) return { body: pos + headerSize, end: Math.min(end, pos + boxSize) };
    pos += boxSize;
  }
  return null;
}

async function mp4Duration(size: number, read: ReadBytes): Promise<number | null> {
  const moov = await findBox(read, 0, size, 'moov');
  const mvhd = moov && (await findBox(read, moov.body, moov.end, 'mvhd'));
  if (!mvhd) return null;
  const b = await read(mvhd.body, 32);
  if (b.length < 20) return null;
  const v1 = b[0] === 1;
  const timescale = u32be(b, v1 ? 20 : 12);
  const duration = v1 ? (b.length >= 32 ? u32be(b, 24) * 2 ** 32 + u32be(b, 28) : NaN) : u32be(b, 16);
  return timescale > 0 && Number.isFinite(duration) ? duration / timescale : null;
}

// ---- WebM / Matroska ----

const EBML_SEGMENT = 0x18538067;
const EBML_INFO = 0x1549a966;
const EBML_TIMECODE_SCALE = 0x2ad7b1;
const EBML_DURATION = 0x4489;
const EBML_CLUSTER = 0x1f43b675;
const EBML_TIMECODE = 0xe7;
/** A block's timecode is a signed 16-bit offset from its cluster's: a cluster spans at most this. */
const MAX_CLUSTER_SPAN_MS = 32768;

/** An EBML variable-length integer at `at`: value (marker bit kept for IDs) and length; null if invalid. */
function vint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (length > 8 || at + length > b.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i];
    allOnes &&= b[at + i] === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

/** Children of the element whose body spans [start, end) in `b`: id, body offset, body end. */
function* ebmlChildren(b: Uint8Array, start: number, end: number): Generator<{ id: number; body: number; end: number }> {
  let pos = start;
  while (pos < end) {
    const id = vint(b, pos, true);
    const len = id && vint(b, pos + id.length, false);
    if (!id || !len) return;
    const body = pos + id.length + len.length;
    const stop = len.unknown ? end : Math.min(end, body + len.value);
    yield { id: id.value, body, end: stop };
    if (len.unknown) return; // an unknown-size element runs to its parent's end: descend, don't skip
    pos = body + len.value;
  }
}

function ebmlUint(b: Uint8Array, body: number, end: number): number {
  let v = 0;
  for (let i = body; i < end; i++) v = v * 256 + b[i];
  return v;
}

async function webmDuration(head: Uint8Array, size: number, read: ReadBytes): Promise<number | null> {
  let scale = 1_000_000; // ns per timecode unit (Matroska default)
  for (const top of ebmlChildren(head, 0, head.length)) {
    if (top.id !== EBML_SEGMENT) continue;
    for (const el of ebmlChildren(head, top.body, top.end)) {
      if (el.id !== EBML_INFO) continue;
      let duration: number | null = null;
      for (const f of ebmlChildren(head, el.body, el.end)) {
        if (f.id === EBML_TIMECODE_SCALE) scale = ebmlUint(head, f.body, f.end) || scale;
        if (f.id === EBML_DURATION && f.end - f.body === 8) duration = view(head).getFloat64(f.body);
        if (f.id === EBML_DURATION && f.end - f.body === 4) duration = view(head).getFloat32(f.body);
      }
      if (duration !== null && Number.isFinite(duration) && duration >= 0) return (duration * scale) / 1e9;
    }
  }
  // No Duration (MediaRecorder writes none): the last cluster's timecode, plus the most a cluster can span.
  const start = Math.max(0, size - TAIL_BYTES);
  const tail = await read(start, size - start);
  for (let at = tail.length - 8; at >= 0; at--) {
    if (u32be(tail, at) !== EBML_CLUSTER) continue;
    const len = vint(tail, at + 4, false);
    const body = len ? at + 4 + len.length : -1;
    const child = len ? vint(tail, body, true) : null;
    if (!child || child.value !== EBML_TIMECODE) continue;
    const tlen = vint(tail, body + child.length, false);
    if (!tlen || tlen.value > 8) continue;
    const from = body + child.length + tlen.length;
    return (ebmlUint(tail, from, from + tlen.value) * scale) / 1e9 + MAX_CLUSTER_SPAN_MS / 1000;
  }
  return null;
}

// ---- AIFF ----

async function aiffDuration(size: number, read: ReadBytes): Promise<number | null> {
  const comm = await findIffChunk(read, size, 'COMM');
  if (!comm) return null;
  const b = await read(comm, 18);
  if (b.length < 18) return null;
  const frames = u32be(b, 2);
  // 80-bit IEEE extended sample rate: sign+exponent (16 bits), 64-bit mantissa.
  const exponent = ((b[8] & 0x7f) << 8) | b[9];
  const mantissa = u32be(b, 10) * 2 ** 32 + u32be(b, 14);
  const rate = mantissa * 2 ** (exponent - 16383 - 63);
  return rate > 0 && Number.isFinite(rate) ? frames / rate : null;
}

/** Body offset of the first IFF (big-endian) chunk `type` after the 12-byte FORM header. */
async function findIffChunk(read: ReadBytes, size: number, type: string): Promise<number | null> {
  let pos = 12;
  for (let n = 0; pos + 8 <= size && n < 1000; n++) {
    const h = await read(pos, 8);
    if (h.length < 8) return null;
    if (ascii(h, 0, type)) return pos + 8;
    const len = u32be(h, 4);
    pos += 8 + len + (len & 1);
  }
  return null;
}
