/**
 * Runs the real capture worklet module in a minimal AudioWorkletGlobalScope stand-in:
 * stereo render quanta at 48 kHz in, 512-sample 16 kHz frames out (transferred).
 */
import { beforeAll, expect, test } from 'vitest';
import type { CaptureFrameMessage } from '../../src/audio/capture-protocol';
import { resample } from '../../src/audio/resample';

interface Posted {
  msg: CaptureFrameMessage;
  transfer: Transferable[];
}

const posted: Posted[] = [];
let Processor: new () => { process(inputs: Float32Array[][]): boolean; port: { onmessage: ((e: { data: unknown }) => void) | null } };

beforeAll(async () => {
  const g = globalThis as Record<string, unknown>;
  g.sampleRate = 48000;
  g.AudioWorkletProcessor = class {
    port = {
      onmessage: null as ((e: { data: unknown }) => void) | null,
      postMessage: (msg: CaptureFrameMessage, transfer: Transferable[]) => posted.push({ msg, transfer }),
    };
  };
  g.registerProcessor = (_name: string, ctor: typeof Processor) => (Processor = ctor);
  await import('../../src/audio/capture.worklet');
});

test('downmixes, resamples to 16 kHz and posts transferred 512-sample frames with levels', () => {
  const p = new Processor();
  const seconds = 1;
  const n = 48000 * seconds;
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    left[i] = 0.6 * Math.sin((2 * Math.PI * 440 * i) / 48000);
    right[i] = 0.2 * Math.sin((2 * Math.PI * 1000 * i) / 48000);
  }
  for (let at = 0; at < n; at += 128) expect(p.process([[left.subarray(at, at + 128), right.subarray(at, at + 128)]])).toBe(true);

  const mono = left.map((v, i) => (v + right[i]) / 2);
  const expected = resample(mono, 48000);
  const frames = posted.map((x) => x.msg);
  // All complete frames before the resampler's look-ahead are out.
  expect(frames.length).toBe(Math.floor((16000 - 32) / 512));
  frames.forEach((f, k) => {
    expect(f.type).toBe('frame');
    expect(f.samples.length).toBe(512);
    let maxDiff = 0;
    for (let i = 0; i < 512; i++) maxDiff = Math.max(maxDiff, Math.abs(f.samples[i] - expected[k * 512 + i]));
    expect(maxDiff).toBeLessThan(1e-6);
  });
  // Buffers are handed over, each frame its own.
  expect(posted.every((x) => x.transfer.length === 1 && x.transfer[0] === x.msg.samples.buffer)).toBe(true);
  expect(new Set(frames.map((f) => f.samples.buffer)).size).toBe(frames.length);
  // Level of the mono input: peak <= 0.4, RMS of two sines of 0.3 and 0.1 amplitude.
  const mid = frames[10];
  expect(mid.peak).toBeLessThanOrEqual(0.4 + 1e-6);
  expect(mid.peak).toBeGreaterThan(0.3);
  expect(mid.rms).toBeCloseTo(Math.sqrt((0.3 * 0.3 + 0.1 * 0.1) / 2), 2);
});

test('no input connected: keeps running, posts nothing; stop message ends it', () => {
  const p = new Processor();
  const before = posted.length;
  expect(p.process([[]])).toBe(true);
  expect(posted.length).toBe(before);
  p.port.onmessage?.({ data: { type: 'stop' } });
  expect(p.process([[new Float32Array(128)]])).toBe(false);
});
