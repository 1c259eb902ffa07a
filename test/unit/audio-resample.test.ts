import { describe, expect, test } from 'vitest';
import { Resampler, resample } from '../../src/audio/resample';

function tone(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

/** Power of frequency f (Hz) in x by a single DFT bin (Goertzel-style direct sum). */
function dftMag(x: Float32Array, rate: number, f: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i] * Math.cos((2 * Math.PI * f * i) / rate);
    im -= x[i] * Math.sin((2 * Math.PI * f * i) / rate);
  }
  return Math.hypot(re, im) / x.length;
}

/** Middle of the signal, away from the zero-padded edges. */
function middle(x: Float32Array, rate: number): Float32Array {
  const edge = Math.round(rate * 0.1);
  return x.subarray(edge, x.length - edge);
}

const db = (ratio: number) => 20 * Math.log10(ratio);

describe('Resampler', () => {
  test.each([48000, 44100, 22050, 96000, 11025])('1 kHz tone at %i Hz keeps frequency and level', (rate) => {
    const out = resample(tone(1000, rate, 1), rate);
    expect(out.length).toBe(16000);
    const mid = middle(out, 16000);
    expect(Math.abs(db(rms(mid) / (0.5 / Math.SQRT2)))).toBeLessThan(0.1);
    // DFT peak among 10 Hz bins from 500 to 1500 Hz is at 1000 Hz.
    let best = 0;
    let bestF = 0;
    for (let f = 500; f <= 1500; f += 10) {
      const m = dftMag(mid, 16000, f);
      if (m > best) [best, bestF] = [m, f];
    }
    expect(bestF).toBe(1000);
    // Zero crossings: 2 per period.
    let zc = 0;
    for (let i = 1; i < mid.length; i++) if ((mid[i - 1] < 0) !== (mid[i] < 0)) zc++;
    expect(Math.abs(zc - (2 * 1000 * mid.length) / 16000)).toBeLessThanOrEqual(2);
  });

  test.each([
    [48000, 10000],
    [48000, 12000],
    [44100, 9000],
    [44100, 15000],
    [96000, 30000],
  ])('tone above 8 kHz at %i Hz (%i Hz) is attenuated by at least 60 dB', (rate, freq) => {
    const input = tone(freq, rate, 0.5);
    const out = middle(resample(input, rate), 16000);
    expect(db(rms(out) / rms(input))).toBeLessThan(-60);
  });

  test('chunked processing equals one-shot processing', () => {
    for (const rate of [44100, 48000, 8000, 47999]) {
      const input = new Float32Array(rate);
      for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.01) * 0.3 + ((i * 7919) % 101) / 500 - 0.1;
      const whole = resample(input, rate);
      const r = new Resampler(rate);
      const parts: Float32Array[] = [];
      // Irregular chunk sizes, including 128-sample render quanta and empty chunks.
      const sizes = [128, 1, 0, 5000, 128, 333, 7];
      let pos = 0;
      let k = 0;
      const scratch = new Float32Array(r.maxOutput(5000));
      while (pos < input.length) {
        const len = Math.min(sizes[k++ % sizes.length], input.length - pos);
        parts.push(r.process(input.subarray(pos, pos + len), scratch).slice());
        pos += len;
      }
      parts.push(r.flush());
      const joined = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of parts) {
        joined.set(p, o);
        o += p.length;
      }
      expect(joined.length).toBe(whole.length);
      expect(joined).toEqual(whole);
    }
  });

  test('upsampling 8 kHz to 16 kHz keeps a 1 kHz tone and adds no image at 7 kHz', () => {
    const out = middle(resample(tone(1000, 8000, 1), 8000), 16000);
    expect(Math.abs(db(rms(out) / (0.5 / Math.SQRT2)))).toBeLessThan(0.1);
    expect(dftMag(out, 16000, 7000) / dftMag(out, 16000, 1000)).toBeLessThan(1e-3);
  });

  test('16 kHz passes through unchanged', () => {
    const input = tone(440, 16000, 0.1);
    expect(resample(input, 16000)).toEqual(input);
  });

  test('rejects invalid rates', () => {
    expect(() => new Resampler(0)).toThrow(RangeError);
    expect(() => new Resampler(44100.5)).toThrow(RangeError);
  });
});
