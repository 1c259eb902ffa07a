/** Messages between the main-thread {@link Segmenter} and vad.worker.ts. */
import type { VadEvent } from './events';
import type { FrameProcessorOptions } from './frame-processor';

/** Main thread -> worker. */
export type SegmenterRequest =
  /** Load ORT and the model; answered by `ready` or `error`. */
  | { type: 'init'; modelUrl: string; wasmPaths: string; numThreads: number; options: Partial<FrameProcessorOptions> }
  /** 16 kHz mono samples of any length (buffer transferred). `ack` asks for an `ack` reply once processed. */
  | { type: 'push'; samples: Float32Array; ack?: number }
  /** End of input: closes the open utterance; answered by `flushed` with the same id. */
  | { type: 'flush'; id: number }
  /** Start of a new stream (positions restart at 0). */
  | { type: 'reset' }
  /** Free the model; the worker closes. */
  | { type: 'release' };

/** Worker -> main thread. */
export type SegmenterResponse =
  | { type: 'ready'; options: FrameProcessorOptions }
  | { type: 'event'; event: VadEvent }
  | { type: 'ack'; id: number; position: number }
  | { type: 'flushed'; id: number; position: number }
  | { type: 'error'; message: string; fatal: boolean };
