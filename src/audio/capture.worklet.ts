/**
 * AudioWorklet processor: downmixes the microphone to mono, resamples it from the context
 * rate to 16 kHz with the anti-aliased {@link Resampler}, and posts 512-sample frames
 * (buffer transferred, not copied) with the input level over each frame.
 *
 * Audio thread budget: every working buffer is allocated once in the constructor; the only
 * per-frame allocation is the 2 KiB frame that is handed over to the main thread.
 */
import { SAMPLE_RATE } from '../env';
import { Resampler } from './resample';
import { CAPTURE_FRAME_SAMPLES, CAPTURE_PROCESSOR, type CaptureFrameMessage, type CaptureStopMessage } from './capture-protocol';

// AudioWorkletGlobalScope is not in TypeScript's DOM lib.
declare const sampleRate: number;
declare abstract class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor();
}
declare function registerProcessor(name: string, ctor: new () => AudioWorkletProcessor): void;

/** Render quantum size; larger quanta are handled by growing the scratch buffers once. */
const QUANTUM = 128;

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly resampler = new Resampler(sampleRate, SAMPLE_RATE);
  private mono = new Float32Array(QUANTUM);
  private resampled = new Float32Array(this.resampler.maxOutput(QUANTUM));
  private frame = new Float32Array(CAPTURE_FRAME_SAMPLES);
  private filled = 0;
  private sumSquares = 0;
  private count = 0;
  private peak = 0;
  private stopped = false;

  constructor() {
    super();
    this.port.onmessage = (e: MessageEvent<CaptureStopMessage>) => {
      if (e.data.type === 'stop') this.stopped = true;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true; // not connected yet
    const n = channels[0].length;
    if (n > this.mono.length) {
      this.mono = new Float32Array(n);
      this.resampled = new Float32Array(this.resampler.maxOutput(n));
    }
    const mono = this.mono.subarray(0, n);
    mono.set(channels[0]);
    if (channels.length > 1) {
      for (let c = 1; c < channels.length; c++) {
        const ch = channels[c];
        for (let i = 0; i < n; i++) mono[i] += ch[i];
      }
      const k = 1 / channels.length;
      for (let i = 0; i < n; i++) mono[i] *= k;
    }
    for (let i = 0; i < n; i++) {
      const v = mono[i];
      this.sumSquares += v * v;
      const a = v < 0 ? -v : v;
      if (a > this.peak) this.peak = a;
    }
    this.count += n;
    const out = this.resampler.process(mono, this.resampled);
    this.emitFrames(out);
    return true;
  }

  private emitFrames(samples: Float32Array): void {
    let at = 0;
    while (at < samples.length) {
      const take = Math.min(CAPTURE_FRAME_SAMPLES - this.filled, samples.length - at);
      this.frame.set(samples.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === CAPTURE_FRAME_SAMPLES) {
        const msg: CaptureFrameMessage = {
          type: 'frame',
          samples: this.frame,
          rms: this.count ? Math.sqrt(this.sumSquares / this.count) : 0,
          peak: this.peak,
        };
        this.port.postMessage(msg, [this.frame.buffer]);
        this.frame = new Float32Array(CAPTURE_FRAME_SAMPLES);
        this.filled = 0;
        this.sumSquares = 0;
        this.count = 0;
        this.peak = 0;
      }
    }
  }
}

registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
