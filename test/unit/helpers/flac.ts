/**
 * A minimal FLAC encoder for tests: every frame holds CONSTANT subframes (one value per
 * channel), so hours of silence take a few hundred KB — the "decompression bomb" shape.
 * Valid FLAC (frame CRC-8/CRC-16 included): real decoders (sox, browsers) accept it.
 */

function crc8(b: Uint8Array, end: number): number {
  let c = 0;
  for (let i = 0; i < end; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

function crc16(b: Uint8Array, end: number): number {
  let c = 0;
  for (let i = 0; i < end; i++) {
    c ^= b[i] << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

/** FLAC's UTF-8-like coding of the frame number (up to 2^16 here). */
function utf8(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x800) return [0xc0 | (n >> 6), 0x80 | (n & 0x3f)];
  return [0xe0 | (n >> 12), 0x80 | ((n >> 6) & 0x3f), 0x80 | (n & 0x3f)];
}

/** Options of {@link constantFlac}. */
export interface ConstantFlacOptions {
  seconds: number;
  /** 48000 (the only rate with a header code used here). */
  rate?: 48000;
  channels?: 1 | 2;
  /** Value of every 16-bit sample (0: silence). */
  value?: number;
  /** Samples per frame (at most 65535). */
  blockSize?: number;
  /** STREAMINFO's total sample count; default the true one (0 = "unknown"). */
  declaredSamples?: number;
}

/** A valid 16-bit FLAC file whose every sample equals `value`. */
export function constantFlac(o: ConstantFlacOptions): Uint8Array<ArrayBuffer> {
  const rate = o.rate ?? 48000;
  const channels = o.channels ?? 2;
  const block = o.blockSize ?? 65535;
  const total = Math.round(o.seconds * rate);
  const declared = o.declaredSamples ?? total;
  const frames = Math.ceil(total / block);
  const out = new Uint8Array(4 + 4 + 34 + frames * (4 + 3 + 2 + 1 + channels * 3 + 2));
  let p = 0;
  out.set([0x66, 0x4c, 0x61, 0x43], 0); // fLaC
  out.set([0x80, 0, 0, 34], 4); // last metadata block, STREAMINFO, 34 bytes
  const si = 8;
  out.set([block >> 8, block & 0xff, block >> 8, block & 0xff], si); // min/max block size
  // min/max frame size 0 (unknown)
  out[si + 10] = (rate >> 12) & 0xff;
  out[si + 11] = (rate >> 4) & 0xff;
  out[si + 12] = ((rate & 0x0f) << 4) | ((channels - 1) << 1) | (15 >> 4);
  out[si + 13] = ((15 & 0x0f) << 4) | Math.floor(declared / 2 ** 32);
  new DataView(out.buffer).setUint32(si + 14, declared >>> 0);
  // MD5 left zero (unknown)
  p = si + 34;
  for (let f = 0; f < frames; f++) {
    const start = p;
    const n = Math.min(block, total - f * block);
    out[p++] = 0xff;
    out[p++] = 0xf8; // sync, fixed block size
    out[p++] = (0b0111 << 4) | 0b1010; // block size: 16-bit field at the end; 48 kHz
    out[p++] = ((channels === 2 ? 0b0001 : 0b0000) << 4) | (0b100 << 1); // independent channels, 16 bit
    for (const b of utf8(f)) out[p++] = b;
    out[p++] = (n - 1) >> 8;
    out[p++] = (n - 1) & 0xff;
    out[p] = crc8(out.subarray(start), p - start);
    p++;
    for (let c = 0; c < channels; c++) {
      out[p++] = 0x00; // CONSTANT subframe, no wasted bits
      out[p++] = (o.value ?? 0) >> 8;
      out[p++] = (o.value ?? 0) & 0xff;
    }
    const crc = crc16(out.subarray(start), p - start);
    out[p++] = crc >> 8;
    out[p++] = crc & 0xff;
  }
  return out.slice(0, p);
}
