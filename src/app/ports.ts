/**
 * Everything the {@link Recognizer} needs from the outside world, as small interfaces:
 * the real AudioWorklet, VAD worker, decoders and inference worker in
 * src/app/ports-browser.ts; fakes in unit tests (test/unit/helpers/fake-ports.ts).
 */
import type { BackendChoice, BackendPreference, ClassifyResult, InferenceClientEvents, LoadProgress, RequestKind } from '../model';
import type { Manifest } from '../model/manifest';
import type { FitRecipe, LinearLayer } from '../calibration/fit';
import type { VadEvent } from '../vad/events';
import type { VoiceStore } from '../calibration/storage';

export interface SegmenterPort {
  /** Live input: 16 kHz mono samples (transferred). */
  push(samples: Float32Array): void;
  /** A whole recording as a fresh stream, faster than real time; resolves after the last event. */
  pushFile(chunks: AsyncIterable<Float32Array>, onProgress?: (seconds: number) => void): Promise<void>;
  /** End of input: closes the utterance in progress. */
  flush(): Promise<void>;
  /** Start of a new stream. */
  reset(): void;
  release(): void;
}

export interface MicCapture {
  stop(): Promise<void>;
  /** AudioContext state ('suspended': the browser paused input; no frames arrive). */
  readonly state?: AudioContextState;
  /** Resumes a suspended AudioContext. */
  resume?(): Promise<void>;
}

export interface OpenedFile {
  durationS: number;
  /** 16 kHz mono chunks, decoded lazily as they are iterated. */
  chunks: AsyncIterable<Float32Array>;
  /** Something the user should know (e.g. "file was truncated"), or null. */
  warning: string | null;
}

/** A loaded model (the real one: {@link InferenceClient}). */
export interface InferencePort {
  readonly manifest: Pick<Manifest, 'name' | 'version' | 'labels' | 'licence'> &
    Partial<Pick<Manifest, 'model_card' | 'description' | 'evaluation' | 'metrics'>> & {
      /** `domain_normalization` present: results carry `adaptation` (session running statistics). */
      domain_normalization?: object;
      /** `head.attention` present: final results carry `attention`. */
      head?: { attention?: object; pooled?: { dim: number } };
      /** With `head.pooled`: the model can be tuned to a voice (see src/calibration). */
      calibration?: FitRecipe & { min_per_class?: number };
    };
  /** Absolute manifest URL (the model card resolves against it). */
  readonly manifestUrl: string;
  readonly backend: BackendChoice;
  /** Classifies 16 kHz mono audio; the caller keeps `audio` (it is copied, never detached). */
  classify(audio: Float32Array, kind: RequestKind): Promise<ClassifyResult>;
  /** Starts the session's domain statistics again from the model's prior (utterances classified from now on). */
  resetAdaptation(): void;
  /** Epoch of the current domain statistics; a result with another one predates the last reset. */
  readonly adaptationEpoch: number;
  on<K extends keyof InferenceClientEvents>(event: K, cb: (payload: InferenceClientEvents[K]) => void): () => void;
  dispose(): void;
  /** Refits the head's final layer in the worker (models with `head.pooled`; absent in ports that cannot). */
  fitCalibration?(x: Float32Array, y: Int32Array, recipe: FitRecipe): Promise<{ layer: LinearLayer; fitMs: number }>;
  /** Sets the tuned layer results use from now on (null: none). */
  setTuned?(layer: LinearLayer | null): void;
}

export interface AppPorts {
  createSegmenter(onEvent: (e: VadEvent) => void, onError: (message: string) => void): Promise<SegmenterPort>;
  startCapture(handlers: {
    onFrame(frame: Float32Array): void;
    onLevel(rms: number, peak: number): void;
    onEnded(reason: string): void;
    /** AudioContext state changes (the browser may suspend a running context). */
    onStateChange?(state: AudioContextState): void;
  }): Promise<MicCapture>;
  openFile(file: File): Promise<OpenedFile>;
  /** Loads a model (progress through `onProgress`); rejects with a load error. */
  loadModel(opts: { manifestUrl: string; backend: BackendPreference; onProgress(e: LoadProgress): void }): Promise<InferencePort>;
  /** Where voice profiles are kept (default: IndexedDB, see src/calibration/storage.ts). */
  voiceStore?: VoiceStore;
}
