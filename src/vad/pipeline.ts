/**
 * Model + state machine: cuts 16 kHz audio of any chunk size into 512-sample frames,
 * scores each with the VAD model and feeds the frame processor. The worker runs this for
 * the microphone and for files alike; tests run it in Node with the real model.
 *
 * A frame's speech probability is the larger of the model's score of a gain-normalised copy
 * and a cue from voiced sound well above the noise floor (see input-level.ts): Silero alone misses loud emotional
 * speech and quiet speech. The frame processor and the utterances get the original audio.
 */
import { FRAME_SAMPLES, type VadEvent } from './events';
import { FrameProcessor, type FrameProcessorOptions } from './frame-processor';
import { levelSpeechProbability, VadInputLevel } from './input-level';

/** What the pipeline needs from a VAD model (Silero, or a stub in tests). */
export interface FrameScorer {
  process(frame: Float32Array): Promise<number>;
  reset(): void;
}

/** Frames audio, scores it, segments it. Calls must not overlap (await each). */
export class VadPipeline {
  /** The state machine (for its resolved options and position). */
  readonly processor: FrameProcessor;
  private readonly scorer: FrameScorer;
  private readonly frame = new Float32Array(FRAME_SAMPLES);
  /** The gain-normalised copy of `frame` the model scores. */
  private readonly scored = new Float32Array(FRAME_SAMPLES);
  private readonly level = new VadInputLevel();
  private filled = 0;

  /**
   * @param scorer - the VAD model
   * @param options - frame-processor options (defaults for the rest)
   * @param emit - receives every event in order
   */
  constructor(scorer: FrameScorer, options: Partial<FrameProcessorOptions>, emit: (event: VadEvent) => void) {
    this.scorer = scorer;
    this.processor = new FrameProcessor(options, emit);
  }

  /** Consumes 16 kHz mono samples of any length; whole frames are processed now. */
  async push(samples: Float32Array): Promise<void> {
    let at = 0;
    while (at < samples.length) {
      const n = Math.min(FRAME_SAMPLES - this.filled, samples.length - at);
      this.frame.set(samples.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      if (this.filled === FRAME_SAMPLES) {
        this.filled = 0;
        await this.processFrame();
      }
    }
  }

  /**
   * End of input: a trailing partial frame is zero-padded and scored, then the open
   * utterance closes (without the padding: it ends at the last real sample).
   */
  async flush(): Promise<void> {
    let padding = 0;
    if (this.filled > 0) {
      padding = FRAME_SAMPLES - this.filled;
      this.frame.fill(0, this.filled);
      this.filled = 0;
      await this.processFrame();
    }
    this.processor.flush(padding);
  }

  private async processFrame(): Promise<void> {
    const level = this.level.process(this.frame, this.scored);
    const p = await this.scorer.process(this.scored);
    this.processor.process(this.frame, Math.max(p, levelSpeechProbability(level)));
  }

  /** Start of a new stream: clears model state, pending samples and positions. */
  reset(): void {
    this.filled = 0;
    this.scorer.reset();
    this.level.reset();
    this.processor.reset();
  }
}
