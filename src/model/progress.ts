/**
 * Load progress events: a small typed union, one stream per model load.
 * Invariants (unit-tested): per file `loaded` never decreases, `total` stays constant,
 * the last event of a file reaches `loaded === total`; `ready` comes last, once.
 */

/** A file download (or cache read) is about to start. */
export interface InitiateProgress {
  status: 'initiate';
  /** Resolved URL of the file. */
  file: string;
  /** Expected size in bytes. */
  total: number;
}

/** Bytes arrived for a file. */
export interface BytesProgress {
  status: 'progress';
  file: string;
  /** Bytes received so far for this file. */
  loaded: number;
  /** Expected size in bytes (constant for the file). */
  total: number;
  /** `loaded / total` in percent, 0..100. */
  progress: number;
  /** Bytes received so far over all files of this model load. */
  overallLoaded: number;
  /** Sum of the sizes of all files of this model load. */
  overallTotal: number;
}

/** A file arrived completely and passed its SHA-256 check. */
export interface DoneProgress {
  status: 'done';
  file: string;
  loaded: number;
  total: number;
  /** True when the bytes came from the Cache API (no network). */
  fromCache: boolean;
}

/** Sessions are created and warmed up; the model can classify. */
export interface ReadyProgress {
  status: 'ready';
  backend: 'webgpu' | 'wasm';
  variant: string;
}

/** One model-load progress event. */
export type LoadProgress = InitiateProgress | BytesProgress | DoneProgress | ReadyProgress;

/** Receives progress events. */
export type ProgressCallback = (event: LoadProgress) => void;
