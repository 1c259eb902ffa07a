/** Messages between capture.ts (main thread) and capture.worklet.ts (audio thread). */

/** Name the worklet registers its processor under. */
export const CAPTURE_PROCESSOR = 'emotion-capture';

/** Samples per frame the worklet posts (16 kHz, 32 ms: one Silero VAD frame). */
export const CAPTURE_FRAME_SAMPLES = 512;

/** Audio thread -> main thread: one 16 kHz mono frame (its buffer is transferred) and the input level over it. */
export interface CaptureFrameMessage {
  type: 'frame';
  samples: Float32Array;
  /** RMS of the mono input since the previous frame, linear [0, 1]. */
  rms: number;
  /** Peak absolute value of the mono input since the previous frame. */
  peak: number;
}

/** Main thread -> audio thread: stop processing (the processor then ends). */
export interface CaptureStopMessage {
  type: 'stop';
}
