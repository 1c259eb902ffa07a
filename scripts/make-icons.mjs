/**
 * Writes the app's PNG icons (public/icons/) from the favicon's design: a blue square with a
 * white pulse line. No image library: the shape is rasterised here (4x4 supersampling) and
 * encoded as an 8-bit RGBA PNG with node:zlib. Run: node scripts/make-icons.mjs
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const BLUE = [0x1f, 0x4e, 0x79];
const WHITE = [255, 255, 255];
/** The favicon's pulse line, in its 32x32 viewBox. */
const PULSE = [[6, 16], [9, 16], [11, 10], [14, 22], [17, 13], [19, 18], [21, 16], [26, 16]];

function distToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** RGBA pixels of one icon. `inset`: fraction of the size kept free around the design (maskable safe zone). */
function render(size, { rounded, inset }) {
  const px = new Uint8Array(size * size * 4);
  const S = 4; // supersampling per axis
  const design = size * (1 - 2 * inset);
  const scale = design / 32;
  const radius = rounded ? 6 * scale : 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0, line = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const fx = x + (sx + 0.5) / S, fy = y + (sy + 0.5) / S;
          // Background: whole canvas for maskable icons, a rounded square otherwise.
          const cx = Math.min(Math.max(fx, radius), size - radius), cy = Math.min(Math.max(fy, radius), size - radius);
          if (Math.hypot(fx - cx, fy - cy) > radius && radius > 0) continue;
          cover++;
          const u = (fx - size * inset) / scale, v = (fy - size * inset) / scale;
          let d = Infinity;
          for (let i = 1; i < PULSE.length; i++) d = Math.min(d, distToSegment(u, v, PULSE[i - 1], PULSE[i]));
          if (d <= 1.1) line++;
        }
      }
      const a = cover / (S * S), w = cover ? line / cover : 0;
      const o = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) px[o + c] = Math.round(BLUE[c] * (1 - w) + WHITE[c] * w);
      px[o + 3] = Math.round(255 * a);
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) raw.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const out = new URL('../public/icons/', import.meta.url);
mkdirSync(out, { recursive: true });
const icons = [
  ['icon-192.png', 192, { rounded: true, inset: 0 }],
  ['icon-512.png', 512, { rounded: true, inset: 0 }],
  // Maskable: full-bleed background, the design inside the central 80 % safe zone.
  ['icon-maskable-512.png', 512, { rounded: false, inset: 0.12 }],
];
for (const [name, size, opts] of icons) {
  writeFileSync(new URL(name, out), png(size, render(size, opts)));
  console.log(`wrote public/icons/${name}`);
}
