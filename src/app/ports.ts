/**
 * The audio side as the controller sees it. Implemented with the real AudioWorklet,
 * VAD worker and decoders in src/app/ports-browser.ts; swappable in tests.
 */
import type { VadEvent } from '../vad/events';

export interface Segmenter {
  /** Live input: 16 kHz mono samples of any length, in order. */
  push(samples: Float32Array): void;
  /** A whole recording, faster than real time; resolves after the last utterance was emitted. */
  pushAll(chunks: AsyncIterable<Float32Array>, onProgress: (fraction: number) => void): Promise<void>;
  /** End of input: closes the utterance in progress. */
  flush(): void;
  /** Start of a new stream. */
  reset(): void;
  release(): void;
}

export interface MicCapture {
  stop(): void;
}

export interface DecodedFile {
  durationS: number;
  /** 16 kHz mono chunks. */
  chunks: AsyncIterable<Float32Array>;
  /** Something the user should know (e.g. "file was truncated"), or null. */
  warning: string | null;
}

export interface AppPorts {
  createSegmenter(onEvent: (e: VadEvent) => void): Promise<Segmenter>;
  startCapture(handlers: {
    onFrame(frame: Float32Array): void;
    onLevel(rms: number, peak: number): void;
    onEnded(reason: string): void;
  }): Promise<MicCapture>;
  decodeFile(file: File, onProgress: (fraction: number) => void): Promise<DecodedFile>;
}
