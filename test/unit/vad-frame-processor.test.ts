import { describe, expect, test } from 'vitest';
import { FRAME_SAMPLES, type VadEvent } from '../../src/vad/events';
import { DEFAULT_FRAME_PROCESSOR_OPTIONS, FrameProcessor, resolveOptions, type FrameProcessorOptions } from '../../src/vad/frame-processor';

const MS = 32; // one frame

/** Frames whose every sample equals the frame index, so audio can be traced back. */
function frameOf(i: number): Float32Array {
  return new Float32Array(FRAME_SAMPLES).fill(i);
}

/** Runs a probability sequence; returns events (audio replaced by its frame indices). */
function run(probs: number[], options: Partial<FrameProcessorOptions> = {}, flush = true) {
  const events: VadEvent[] = [];
  const fp = new FrameProcessor(options, (e) => events.push(e));
  probs.forEach((p, i) => fp.process(frameOf(i), p));
  if (flush) fp.flush();
  return events;
}

function framesIn(audio: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < audio.length; i += FRAME_SAMPLES) out.push(audio[i]);
  return out;
}

const seq = (...parts: [number, number][]) => parts.flatMap(([p, n]) => Array<number>(n).fill(p));
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

const base: Partial<FrameProcessorOptions> = {
  positiveSpeechThreshold: 0.5,
  negativeSpeechThreshold: 0.35,
  redemptionMs: 5 * MS,
  minSpeechMs: 3 * MS,
  preSpeechPadMs: 2 * MS,
  postSpeechPadMs: 1 * MS,
  maxUtteranceMs: 100 * MS,
  partialAfterMs: 1000 * MS,
};

describe('FrameProcessor', () => {
  test('one utterance: start, pre-pad, hangover, trimmed end', () => {
    const ev = run(seq([0, 10], [0.9, 10], [0, 20]), base);
    expect(ev.map((e) => e.type)).toEqual(['speech-start', 'speech-real-start', 'utterance']);
    expect(ev[0]).toEqual({ type: 'speech-start', startSample: 8 * FRAME_SAMPLES });
    const u = ev[2];
    if (u.type !== 'utterance') throw new Error('expected utterance');
    // 2 pre-pad frames, 10 speech frames, 1 post-pad frame.
    expect(framesIn(u.audio)).toEqual(range(8, 21));
    expect([u.startSample, u.endSample, u.reason]).toEqual([8 * FRAME_SAMPLES, 21 * FRAME_SAMPLES, 'silence']);
  });

  test('utterance ends exactly after redemptionMs of silence', () => {
    const events: VadEvent[] = [];
    const fp = new FrameProcessor(base, (e) => events.push(e));
    seq([0.9, 5], [0.1, 4]).forEach((p, i) => fp.process(frameOf(i), p));
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-real-start']);
    fp.process(frameOf(9), 0.1); // 5th silent frame
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-real-start', 'utterance']);
  });

  test('hysteresis: probabilities between the thresholds neither start nor end speech', () => {
    // Between thresholds before speech: no start.
    expect(run(seq([0.45, 30]), base)).toEqual([]);
    // Between thresholds during speech: a long stretch of 0.4 does not end it.
    const ev = run(seq([0.9, 5], [0.4, 30], [0.9, 5], [0, 10]), base);
    expect(ev.map((e) => e.type)).toEqual(['speech-start', 'speech-real-start', 'utterance']);
  });

  test('silence shorter than the hangover does not split; a speech frame resets the count', () => {
    const ev = run(seq([0.9, 5], [0.1, 4], [0.9, 1], [0.1, 4], [0.9, 5], [0, 10]), base);
    expect(ev.filter((e) => e.type === 'utterance')).toHaveLength(1);
    const ev2 = run(seq([0.9, 5], [0.1, 5], [0.9, 5], [0, 10]), base);
    expect(ev2.filter((e) => e.type === 'utterance')).toHaveLength(2);
  });

  test('real start: announced once, at the frame that reaches minSpeechMs, only for speech that becomes an utterance', () => {
    // minSpeech = 3 frames: speech from frame 4 (pre-pad from 2), the third speech frame is frame 6.
    const events: { type: string; at: number; startSample: number }[] = [];
    const fp = new FrameProcessor(base, (e) => events.push({ type: e.type, at: fp.position / FRAME_SAMPLES, startSample: e.startSample }));
    seq([0, 4], [0.9, 2], [0.4, 3], [0.9, 4], [0, 10]).forEach((p, i) => fp.process(frameOf(i), p));
    expect(events.map((e) => [e.type, e.at, e.startSample / FRAME_SAMPLES])).toEqual([
      ['speech-start', 4, 2],
      ['speech-real-start', 10, 2], // frames 4, 5 and 9 are speech (0.4 is between the thresholds)
      ['utterance', 18, 2],
    ]);
    // A misfire never had a real start.
    expect(run(seq([0, 5], [0.9, 2], [0, 10]), base).map((e) => e.type)).toEqual(['speech-start', 'misfire']);
    // Each piece of a split utterance is announced again.
    const split = run(seq([0, 4], [0.9, 25], [0, 10]), { ...base, maxUtteranceMs: 10 * MS }).map((e) => e.type);
    expect(split.filter((t) => t === 'speech-real-start')).toHaveLength(3);
    expect(split.filter((t) => t === 'utterance')).toHaveLength(3);
  });

  test('speech shorter than minSpeechMs is a misfire, not an utterance', () => {
    const ev = run(seq([0, 5], [0.9, 2], [0, 10]), base);
    expect(ev).toEqual([
      { type: 'speech-start', startSample: 3 * FRAME_SAMPLES },
      { type: 'misfire', startSample: 3 * FRAME_SAMPLES, endSample: 8 * FRAME_SAMPLES },
    ]);
  });

  test('pre-pad is limited to the frames seen; none at the very start', () => {
    const ev = run(seq([0.9, 5], [0, 10]), base);
    expect(ev[0]).toEqual({ type: 'speech-start', startSample: 0 });
    const ev2 = run(seq([0.9, 5], [0, 10]), { ...base, preSpeechPadMs: 0 });
    const u = ev2.find((e) => e.type === 'utterance');
    if (u?.type !== 'utterance') throw new Error('expected utterance');
    expect(framesIn(u.audio)[0]).toBe(0);
  });

  test('maximum length splits a long utterance into contiguous pieces', () => {
    const ev = run(seq([0, 4], [0.9, 25], [0, 10]), { ...base, maxUtteranceMs: 10 * MS });
    const utts = ev.filter((e) => e.type === 'utterance');
    expect(utts.map((u) => u.reason)).toEqual(['max-length', 'max-length', 'silence']);
    expect(utts.map((u) => [u.startSample / FRAME_SAMPLES, u.endSample / FRAME_SAMPLES])).toEqual([
      [2, 12],
      [12, 22],
      [22, 30],
    ]);
    expect(framesIn(utts[1].audio)).toEqual(range(12, 22));
    expect(ev.filter((e) => e.type === 'speech-start')).toHaveLength(3);
  });

  test('maximum length: the cut goes to the least speech-like frame of the last quarter', () => {
    // Speech from frame 0; a dip (0.2) at frame 17 and a weaker one (0.4) at 18; max 20 frames.
    const probs = seq([0.9, 40], [0, 10]);
    probs[17] = 0.2;
    probs[18] = 0.4;
    probs[5] = 0.1; // outside the last quarter: ignored
    const ev = run(probs, { ...base, preSpeechPadMs: 0, maxUtteranceMs: 20 * MS });
    const utts = ev.filter((e) => e.type === 'utterance');
    expect(utts.map((u) => [u.startSample / FRAME_SAMPLES, u.endSample / FRAME_SAMPLES, u.reason])).toEqual([
      [0, 17, 'max-length'],
      [17, 37, 'max-length'],
      [37, 41, 'silence'],
    ]);
    expect(framesIn(utts[1].audio)).toEqual(range(17, 37));
    expect(ev.filter((e) => e.type === 'speech-start').map((e) => e.startSample / FRAME_SAMPLES)).toEqual([0, 17, 37]);
  });

  test('partials: after partialAfterMs, every partialIntervalMs, with the audio so far', () => {
    const opts = { ...base, preSpeechPadMs: 0, partialAfterMs: 10 * MS, partialIntervalMs: 5 * MS };
    const ev = run(seq([0.9, 30], [0, 10]), opts);
    const partials = ev.filter((e) => e.type === 'partial');
    expect(partials.map((p) => p.audio.length / FRAME_SAMPLES)).toEqual([11, 16, 21, 26]);
    expect(framesIn(partials[1].audio)).toEqual(range(0, 16));
    expect(partials.every((p) => p.startSample === 0)).toBe(true);
    // A partial is a copy: later frames do not change it.
    expect(partials[0].audio[partials[0].audio.length - 1]).toBe(10);
    expect(ev[ev.length - 1].type).toBe('utterance');
  });

  test('default partial cadence: first after 2 s, then about once a second', () => {
    const ev = run(seq([0.9, 200], [0, 40]), {});
    const lens = ev.filter((e) => e.type === 'partial').map((p) => (p.audio.length / 16000) * 1000);
    expect(lens[0]).toBeGreaterThan(2000);
    expect(lens[0]).toBeLessThan(2200);
    for (let i = 1; i < lens.length; i++) expect(Math.abs(lens[i] - lens[i - 1] - 1000)).toBeLessThan(40);
  });

  test('flush closes an open utterance; reset forgets it', () => {
    const ev = run(seq([0.9, 8]), base);
    expect(ev.map((e) => e.type)).toEqual(['speech-start', 'speech-real-start', 'utterance']);
    expect(ev[2].type === 'utterance' && ev[2].reason).toBe('flush');
    const events: VadEvent[] = [];
    const fp = new FrameProcessor(base, (e) => events.push(e));
    seq([0.9, 8]).forEach((p, i) => fp.process(frameOf(i), p));
    fp.reset();
    fp.flush();
    expect(events.map((e) => e.type)).toEqual(['speech-start', 'speech-real-start']);
    expect(fp.position).toBe(0);
  });

  test('flush(padding) cuts the zero padding of the last frame from an utterance that reaches the end', () => {
    const events: VadEvent[] = [];
    const fp = new FrameProcessor(base, (e) => events.push(e));
    seq([0.9, 6]).forEach((p, i) => fp.process(frameOf(i), p));
    fp.flush(300);
    const u = events[2];
    if (u.type !== 'utterance') throw new Error('expected utterance');
    expect([u.startSample, u.endSample, u.audio.length]).toEqual([0, 6 * FRAME_SAMPLES - 300, 6 * FRAME_SAMPLES - 300]);
  });

  test('sample positions keep counting across utterances', () => {
    const ev = run(seq([0, 3], [0.9, 5], [0, 10], [0.9, 5], [0, 10]), base);
    const utts = ev.filter((e) => e.type === 'utterance');
    expect(utts.map((u) => u.startSample / FRAME_SAMPLES)).toEqual([1, 16]);
  });

  test('options are validated', () => {
    expect(() => resolveOptions({ negativeSpeechThreshold: 0.9 })).toThrow(/negativeSpeechThreshold/);
    expect(() => resolveOptions({ positiveSpeechThreshold: 1.5 })).toThrow(/positiveSpeechThreshold/);
    expect(() => resolveOptions({ redemptionMs: -1 })).toThrow(/redemptionMs/);
    expect(() => resolveOptions({ maxUtteranceMs: Number.NaN })).toThrow(/maxUtteranceMs/);
    expect(resolveOptions().options).toEqual(DEFAULT_FRAME_PROCESSOR_OPTIONS);
    expect(() => new FrameProcessor({}, () => undefined).process(new Float32Array(480), 1)).toThrow(/512/);
  });
});
