/** One analysed utterance as the store and the views see it. */
export interface UtteranceResult {
  id: string;
  source: 'mic' | 'file';
  /** File the utterance came from (file source only). */
  fileName?: string;
  /** Start/end inside the recording or file, in seconds. */
  startS: number;
  endS: number;
  labels: readonly string[];
  probabilities: readonly number[];
  /** Wall-clock time the result arrived (ms since epoch). */
  at: number;
  /** Which backend computed it. */
  backend: 'webgpu' | 'wasm';
  inferenceMs: number;
}

export type FileStatus = 'queued' | 'decoding' | 'analysing' | 'done' | 'error';

/** One file's analysis as the recognizer reports it (and the store shows it). */
export interface FileJob {
  id: string;
  name: string;
  status: FileStatus;
  /** 0..1 over decoding + segmentation + analysis. */
  progress: number;
  durationS: number | null;
  utteranceIds: string[];
  message: string | null;
}
