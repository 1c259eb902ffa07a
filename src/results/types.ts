/** Types shared by the recognizer (src/app) and the store: results, file jobs, model and backend facts. */
import type { AttentionCurve } from '../model';
import type { Envelope } from '../audio/envelope';
import type { ModelSummary } from './model-summary';

export type { AttentionCurve, Envelope };

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
  /** The model that produced it, "name version" (history can hold results of several models). */
  model?: string;
  /** Utterances the session statistics were adapted on, this one included (domain-normalised models only). */
  adaptedOn?: number;
  /** Models whose head has attention over time (CorrAP): how much each stretch counted, at most 100 points. */
  attention?: AttentionCurve;
  /** Present when the result came from the model tuned to the user's voice: the shipped model's probabilities (`probabilities` are the tuned ones). */
  untunedProbabilities?: readonly number[];
  /** Top probability below the model's `evaluation.uncertain_below` (src/results/uncertain.ts); false without a threshold. */
  uncertain?: boolean;
}

/** An utterance's audio playing: from `fromS` seconds into it, started at `startedAt` (performance.now() ms). */
export interface Playback {
  id: string;
  fromS: number;
  /** Seconds of the clip. */
  durationS: number;
  startedAt: number;
}

/**
 * The running statistics of a domain-normalised model: utterances heard since the model
 * loaded or the last reset (microphone and files together, in the order they were analysed).
 */
export interface AdaptationState {
  utterances: number;
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
  /** Energy of the whole file (at most 2,000 bins), set when decoding finished. */
  envelope?: Envelope;
}

/** What a loaded model is, for display. */
export interface ModelInfo {
  name: string;
  version: string;
  labels: readonly string[];
  cardUrl: string | null;
  manifestUrl: string;
  /** What it was trained and measured on, how well, and its licence (from the manifest). */
  summary: ModelSummary;
  /** The head reports its attention over time (manifest `head.attention`): results carry `attention`. */
  attention: boolean;
  /** Results whose top probability is below this are marked uncertain (manifest `evaluation.uncertain_below`). */
  uncertainBelow?: number;
}

/** Backend in use and whether the page forced it (`?backend=`). */
export interface BackendInfo {
  backend: 'webgpu' | 'wasm';
  reason: string;
  variant: string;
  forced: boolean;
}
