/**
 * Pure VAD state machine: per 512-sample frame it takes the audio and a speech probability
 * (from any model) and emits speech-start / partial / utterance / misfire events. No model,
 * no I/O, so it is tested with synthetic probability sequences.
 *
 * Hysteresis: speech starts at a frame with p >= positiveSpeechThreshold; once speaking,
 * only frames with p < negativeSpeechThreshold count toward the end, and the utterance
 * ends after `redemptionMs` of them in a row (a frame >= positive resets the count).
 * All audio lives in buffers allocated once at construction.
 */
import { FRAME_SAMPLES, VAD_SAMPLE_RATE, type VadEvent } from './events';

/** Tuning, in probabilities and milliseconds. */
export interface FrameProcessorOptions {
  /** Probability at or above which a frame is speech (starts an utterance). */
  positiveSpeechThreshold: number;
  /** Probability below which a frame counts toward the end of an utterance. */
  negativeSpeechThreshold: number;
  /** Silence (frames below the negative threshold) that ends an utterance. */
  redemptionMs: number;
  /** Speech frames needed for an utterance; fewer makes a misfire. */
  minSpeechMs: number;
  /** Audio kept before the first speech frame. */
  preSpeechPadMs: number;
  /** Audio kept after the last non-silent frame (trailing silence beyond it is trimmed). */
  postSpeechPadMs: number;
  /** Longest utterance; a longer one is split into pieces of this length. */
  maxUtteranceMs: number;
  /** Partial events start once an utterance is longer than this. */
  partialAfterMs: number;
  /** Time between partial events. */
  partialIntervalMs: number;
}

/**
 * Defaults. Thresholds are Silero's own (0.5, and 0.15 below it to end). On Silero v5 scores
 * of the fixtures (EmoDB sentences separated by 1.2-1.5 s of silence) every redemption from
 * 256 ms to 1.18 s finds all 30 (and 3) utterances. 900 ms bridges the 0.8 s pause inside
 * 08a02Tb (three_utterances), which split it in two through the microphone path at 600-700 ms;
 * minSpeechMs 300 drops word fragments of about 0.2 s.
 */
export const DEFAULT_FRAME_PROCESSOR_OPTIONS: Readonly<FrameProcessorOptions> = Object.freeze({
  positiveSpeechThreshold: 0.5,
  negativeSpeechThreshold: 0.35,
  redemptionMs: 900,
  minSpeechMs: 300,
  preSpeechPadMs: 300,
  postSpeechPadMs: 200,
  maxUtteranceMs: 15000,
  partialAfterMs: 2000,
  partialIntervalMs: 1000,
});

/** Options converted to whole frames (computed once). */
export interface FrameCounts {
  redemption: number;
  minSpeech: number;
  prePad: number;
  postPad: number;
  maxUtterance: number;
  partialAfter: number;
  partialInterval: number;
}

const MS_PER_FRAME = (FRAME_SAMPLES / VAD_SAMPLE_RATE) * 1000;

/**
 * Merges `options` over the defaults, validates them and converts milliseconds to frames.
 * @throws RangeError naming the first invalid option
 */
export function resolveOptions(options: Partial<FrameProcessorOptions> = {}): { options: FrameProcessorOptions; frames: FrameCounts } {
  const o: FrameProcessorOptions = { ...DEFAULT_FRAME_PROCESSOR_OPTIONS, ...options };
  const bad = (name: keyof FrameProcessorOptions, why: string) => new RangeError(`VAD option ${name}=${o[name]}: ${why}`);
  for (const [k, v] of Object.entries(o) as [keyof FrameProcessorOptions, number][]) {
    if (!Number.isFinite(v) || v < 0) throw bad(k, 'must be a finite number >= 0');
  }
  if (o.positiveSpeechThreshold <= 0 || o.positiveSpeechThreshold > 1) throw bad('positiveSpeechThreshold', 'must be in (0, 1]');
  if (o.negativeSpeechThreshold > o.positiveSpeechThreshold) throw bad('negativeSpeechThreshold', 'must not exceed positiveSpeechThreshold');
  const toFrames = (ms: number) => Math.round(ms / MS_PER_FRAME);
  const frames: FrameCounts = {
    redemption: Math.max(1, toFrames(o.redemptionMs)),
    minSpeech: toFrames(o.minSpeechMs),
    prePad: toFrames(o.preSpeechPadMs),
    postPad: toFrames(o.postSpeechPadMs),
    maxUtterance: toFrames(o.maxUtteranceMs),
    partialAfter: toFrames(o.partialAfterMs),
    partialInterval: Math.max(1, toFrames(o.partialIntervalMs)),
  };
  if (frames.maxUtterance < Math.max(2, frames.minSpeech)) throw bad('maxUtteranceMs', 'must be at least minSpeechMs (and 64 ms)');
  if (frames.maxUtterance > 10 * 60 * (1000 / MS_PER_FRAME)) throw bad('maxUtteranceMs', 'must be at most 10 minutes');
  return { options: o, frames };
}

/** The state machine. Feed it every frame in order; it calls `emit` synchronously. */
export class FrameProcessor {
  /** Resolved options. */
  readonly options: Readonly<FrameProcessorOptions>;
  /** The same options in frames. */
  readonly frames: Readonly<FrameCounts>;
  private readonly emit: (event: VadEvent) => void;

  /** Ring of the last `prePad` frames seen while idle. */
  private readonly ring: Float32Array;
  private ringFrames = 0;
  private ringHead = 0;
  /** Current utterance audio (pre-pad + frames), at most `maxUtterance` frames. */
  private readonly utt: Float32Array;
  /** Speech probability of each frame in `utt` (pre-pad frames count as 0). */
  private readonly probs: Float32Array;
  private uttFrames = 0;

  private frameIndex = 0;
  private speaking = false;
  private startFrame = 0;
  private speechFrames = 0;
  /** `speech-real-start` was emitted for the current segment. */
  private realStarted = false;
  private silentRun = 0;
  /** Frames in `utt` up to and including the last frame at or above the negative threshold. */
  private voicedEnd = 0;
  private nextPartialAt = 0;

  /**
   * @param options - partial options over {@link DEFAULT_FRAME_PROCESSOR_OPTIONS}
   * @param emit - receives every event, synchronously, in order
   */
  constructor(options: Partial<FrameProcessorOptions>, emit: (event: VadEvent) => void) {
    const r = resolveOptions(options);
    this.options = r.options;
    this.frames = r.frames;
    this.emit = emit;
    this.ring = new Float32Array(Math.max(1, r.frames.prePad) * FRAME_SAMPLES);
    this.utt = new Float32Array(r.frames.maxUtterance * FRAME_SAMPLES);
    this.probs = new Float32Array(r.frames.maxUtterance);
  }

  /** Samples consumed since construction or the last reset. */
  get position(): number {
    return this.frameIndex * FRAME_SAMPLES;
  }

  /**
   * Consumes one frame.
   * @param frame - 512 samples of 16 kHz mono audio (copied; the caller may reuse it)
   * @param probability - speech probability of this frame in [0, 1]
   */
  process(frame: Float32Array, probability: number): void {
    if (frame.length !== FRAME_SAMPLES) throw new RangeError(`VAD frame must have ${FRAME_SAMPLES} samples, got ${frame.length}`);
    const { positiveSpeechThreshold: pos, negativeSpeechThreshold: neg } = this.options;
    const p = Number.isFinite(probability) ? probability : 0;
    if (!this.speaking) {
      if (p >= pos) this.begin();
      else {
        this.pushRing(frame);
        this.frameIndex++;
        return;
      }
    }
    this.utt.set(frame, this.uttFrames * FRAME_SAMPLES);
    this.probs[this.uttFrames] = p;
    this.uttFrames++;
    this.frameIndex++;
    if (p >= pos) {
      this.speechFrames++;
      this.silentRun = 0;
      this.maybeRealStart();
    } else if (p < neg) {
      this.silentRun++;
    }
    if (p >= neg) this.voicedEnd = this.uttFrames;

    if (this.silentRun >= this.frames.redemption) this.end('silence');
    // At the maximum length, a piece already in trailing silence just ends; otherwise split.
    else if (this.uttFrames < this.frames.maxUtterance) this.maybePartial();
    else if (this.silentRun > 0) this.end('silence');
    else this.split();
  }

  /**
   * Ends the open utterance, if any (end of input).
   * @param padding - zero samples the caller appended to complete the last frame; they are
   *   cut from an utterance that reaches the end of input
   */
  flush(padding = 0): void {
    if (this.speaking) this.end('flush', Math.max(0, Math.min(FRAME_SAMPLES - 1, Math.floor(padding))));
    this.ringFrames = 0;
  }

  /** Forgets everything, including the sample counter. */
  reset(): void {
    this.speaking = false;
    this.uttFrames = 0;
    this.ringFrames = 0;
    this.ringHead = 0;
    this.frameIndex = 0;
  }

  private pushRing(frame: Float32Array): void {
    if (this.frames.prePad === 0) return;
    this.ring.set(frame, this.ringHead * FRAME_SAMPLES);
    this.ringHead = (this.ringHead + 1) % this.frames.prePad;
    this.ringFrames = Math.min(this.ringFrames + 1, this.frames.prePad);
  }

  /** Starts an utterance with the pre-speech padding from the ring. */
  private begin(): void {
    const n = Math.min(this.ringFrames, this.frames.maxUtterance - 1);
    const cap = this.frames.prePad;
    for (let i = 0; i < n; i++) {
      const slot = (this.ringHead - n + i + cap) % cap;
      this.utt.set(this.ring.subarray(slot * FRAME_SAMPLES, (slot + 1) * FRAME_SAMPLES), i * FRAME_SAMPLES);
      this.probs[i] = 0;
    }
    this.startSegment(this.frameIndex - n, n);
    this.ringFrames = 0;
    this.emit({ type: 'speech-start', startSample: this.startFrame * FRAME_SAMPLES });
  }

  /** Announces the utterance once it has the minimum speech (once per segment). */
  private maybeRealStart(): void {
    if (this.realStarted || this.speechFrames < Math.max(1, this.frames.minSpeech)) return;
    this.realStarted = true;
    this.emit({ type: 'speech-real-start', startSample: this.startFrame * FRAME_SAMPLES });
  }

  private startSegment(startFrame: number, bufferedFrames: number): void {
    this.speaking = true;
    this.realStarted = false;
    this.startFrame = startFrame;
    this.uttFrames = bufferedFrames;
    this.voicedEnd = bufferedFrames;
    this.speechFrames = 0;
    this.silentRun = 0;
    this.nextPartialAt = this.frames.partialAfter + 1;
  }

  private maybePartial(): void {
    // No partial during trailing silence: the utterance is probably ending.
    if (this.uttFrames < this.nextPartialAt || this.silentRun > 0 || this.speechFrames < this.frames.minSpeech) return;
    this.nextPartialAt = this.uttFrames + this.frames.partialInterval;
    this.emit({ type: 'partial', audio: this.utt.slice(0, this.uttFrames * FRAME_SAMPLES), startSample: this.startFrame * FRAME_SAMPLES });
  }

  /** One path for every way an utterance ends. */
  private end(reason: 'silence' | 'max-length' | 'flush', padding = 0): void {
    const keep = reason === 'max-length' ? this.uttFrames : Math.min(this.uttFrames, this.voicedEnd + this.frames.postPad);
    const cut = keep === this.uttFrames ? padding : 0;
    const startSample = this.startFrame * FRAME_SAMPLES;
    const endSample = startSample + keep * FRAME_SAMPLES - cut;
    this.speaking = false;
    if (this.speechFrames >= this.frames.minSpeech && this.speechFrames > 0) {
      this.emit({ type: 'utterance', audio: this.utt.slice(0, endSample - startSample), startSample, endSample, reason });
    } else {
      this.emit({ type: 'misfire', startSample, endSample });
    }
    this.uttFrames = 0;
    this.ringFrames = 0;
  }

  /**
   * Maximum length reached while speech goes on: cut at the least speech-like frame of the
   * last quarter (a pause between words, if any), emit the first part, and carry the rest
   * over as the start of the next piece.
   */
  private split(): void {
    const n = this.uttFrames;
    let cut = n;
    let best = Number.POSITIVE_INFINITY;
    for (let i = n - 1; i >= Math.max(1, n - Math.ceil(n / 4)); i--) {
      if (this.probs[i] < best) [best, cut] = [this.probs[i], i];
    }
    if (best >= this.options.positiveSpeechThreshold) cut = n; // no pause: hard cut
    const carried = n - cut;
    for (let i = cut; i < n; i++) if (this.probs[i] >= this.options.positiveSpeechThreshold) this.speechFrames--;
    this.uttFrames = cut;
    this.end('max-length');
    // The carried frames are still in place after the emitted part: move them to the front.
    this.utt.copyWithin(0, cut * FRAME_SAMPLES, n * FRAME_SAMPLES);
    this.probs.copyWithin(0, cut, n);
    this.startSegment(this.frameIndex - carried, carried);
    for (let i = 0; i < carried; i++) {
      if (this.probs[i] >= this.options.positiveSpeechThreshold) this.speechFrames++;
      if (this.probs[i] >= this.options.negativeSpeechThreshold) this.voicedEnd = i + 1;
    }
    this.emit({ type: 'speech-start', startSample: this.startFrame * FRAME_SAMPLES });
    this.maybeRealStart();
  }
}
