/**
 * Events the segmenter emits. Sample positions are absolute, at 16 kHz, counted from the
 * first sample pushed since creation or the last `reset()`; `endSample` is exclusive.
 */
import { SAMPLE_RATE } from '../env';

/** Speech probability crossed the start threshold; an utterance may follow. */
export interface SpeechStartEvent {
  type: 'speech-start';
  /** First sample of the would-be utterance (pre-speech padding included). */
  startSample: number;
}

/**
 * The utterance begun at `startSample` has reached the minimum speech length (vad-web's
 * "real start"): an `utterance` follows (or, if a split at the maximum length leaves it
 * short, a `misfire`).
 */
export interface SpeechRealStartEvent {
  type: 'speech-real-start';
  startSample: number;
}

/** Provisional audio of an utterance still in progress (sent about once a second after 2 s). */
export interface PartialEvent {
  type: 'partial';
  /** 16 kHz mono audio from `startSample` up to now (an owned copy). */
  audio: Float32Array;
  startSample: number;
}

/** A finished utterance (ended by silence, by `flush()`, or split at the maximum length). */
export interface UtteranceEvent {
  type: 'utterance';
  /** 16 kHz mono audio of `[startSample, endSample)` (an owned copy). */
  audio: Float32Array;
  startSample: number;
  endSample: number;
  /** Why it ended: trailing silence, maximum length reached, or end of input. */
  reason: 'silence' | 'max-length' | 'flush';
}

/** Speech too short to count (below `minSpeechMs`); no utterance follows this start. */
export interface MisfireEvent {
  type: 'misfire';
  startSample: number;
  endSample: number;
}

/** Any segmenter event. */
export type VadEvent = SpeechStartEvent | SpeechRealStartEvent | PartialEvent | UtteranceEvent | MisfireEvent;

/** Event type names. */
export type VadEventType = VadEvent['type'];

/** The event whose `type` is `T`. */
export type VadEventOf<T extends VadEventType> = Extract<VadEvent, { type: T }>;

/** Samples per VAD frame (Silero VAD v5 at 16 kHz). */
export const FRAME_SAMPLES = 512;

/** Sample rate of everything the segmenter sees and emits. */
export const VAD_SAMPLE_RATE = SAMPLE_RATE;
