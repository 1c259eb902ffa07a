/**
 * Messages between the main thread ({@link InferenceClient}) and the inference worker.
 * Discriminated unions in both directions; nothing untyped crosses the boundary.
 */
import type { BackendChoice, BackendName, BackendPreference } from './backend.ts';
import type { AttentionCurve } from './attention.ts';
import type { AdaptationInfo } from './domain-session.ts';
import type { LoadTimeouts } from './deadline.ts';
import type { Manifest } from './manifest.ts';
import type { FitRecipe, LinearLayer } from '../calibration/fit.ts';
import type { LoadProgress } from './progress.ts';

/** Whether a request may be dropped for a newer one (`provisional`) or never (`final`). */
export type RequestKind = 'final' | 'provisional';

/** Fault injection for tests (E2E fault-tolerance checks). */
export type SimulatedFault = 'crash' | 'device-lost';

/** Main -> worker: load the model. */
export interface InitMessage {
  type: 'init';
  /** Absolute manifest URL. */
  manifestUrl: string;
  preference: BackendPreference;
  /** Upstream variant id to prefer (e.g. `fp32`), when runnable. */
  variant?: string;
  /** Absolute URL prefix of onnxruntime-web's wasm/mjs files (ends with `/`). */
  wasmPaths: string;
  /** Origins models may be fetched from (manifest, files, redirects); see origin-policy.ts. */
  modelOrigins: string[];
  /** Overrides of the load step limits (defaults: `LOAD_TIMEOUTS` in deadline.ts). */
  timeouts?: Partial<LoadTimeouts>;
}

/** Main -> worker: classify one utterance (`audio` is transferred). */
export interface ClassifyMessage {
  type: 'classify';
  id: number;
  kind: RequestKind;
  /** Mono 16 kHz float32 samples. */
  audio: Float32Array;
  /**
   * Epoch of the session's domain statistics: the client bumps it to reset them, and the
   * worker starts afresh at the first request carrying a new one (src/model/domain-session.ts).
   */
  adaptEpoch: number;
}

/** Main -> worker: inject a fault (tests only). */
export interface SimulateFaultMessage {
  type: 'simulate-fault';
  fault: SimulatedFault;
}

/** Main -> worker: release sessions; the client terminates the worker afterwards. */
export interface DisposeMessage {
  type: 'dispose';
}

/** Main -> worker: use this tuned final layer for `tunedProbabilities` (null: stop). */
export interface CalibrationSetMessage {
  type: 'calibration-set';
  layer: LinearLayer | null;
}

/** Main -> worker: refit the shipped final layer on labelled pooled vectors (x [n, dim] and y [n] are transferred). */
export interface CalibrationFitMessage {
  type: 'calibration-fit';
  id: number;
  x: Float32Array;
  y: Int32Array;
  recipe: FitRecipe;
}

/** Every message the worker accepts. */
export type ToWorker = InitMessage | ClassifyMessage | SimulateFaultMessage | DisposeMessage | CalibrationSetMessage | CalibrationFitMessage;

/** An Error flattened for postMessage. */
export interface SerializedError {
  name: 'ModelLoadError' | 'InferenceError' | 'Error';
  /** `ModelLoadErrorCode` or `InferenceErrorCode` for the typed errors. */
  code?: string;
  message: string;
  url?: string;
}

/** Worker -> main: load progress. */
export interface ProgressMessage {
  type: 'progress';
  event: LoadProgress;
}

/** Worker -> main: model loaded and warmed up. */
export interface ReadyMessage {
  type: 'ready';
  manifest: Manifest;
  manifestUrl: string;
  backend: BackendChoice;
  /** Milliseconds from init to ready (download + sessions + warm-up). */
  loadMs: number;
}

/** Worker -> main: loading failed. */
export interface InitErrorMessage {
  type: 'init-error';
  error: SerializedError;
}

/** One classification, as the engine returns it and the worker sends it. */
export interface EngineResult {
  /** Probability per label, in the manifest's label order; sums to 1. */
  probabilities: Float32Array;
  /** Worker-side run time in milliseconds. */
  inferenceMs: number;
  backend: BackendName;
  /**
   * For a model with domain normalisation: utterances the statistics were adapted on (this
   * one included) and their epoch.
   */
  adaptation?: AdaptationInfo;
  /**
   * For a head with attention over time (manifest `head.attention`): how much each stretch of
   * the utterance counted in the pooled statistics, binned to at most 100 points.
   */
  attention?: AttentionCurve;
  /** For a head with a pooled output (manifest `head.pooled`): the final linear layer's input [dim]. */
  pooled?: Float32Array;
  /** While a tuned layer is set: softmax(W' pooled + b'), same order. */
  tunedProbabilities?: Float32Array;
}

/** Worker -> main: probabilities for request `id`. */
export interface ResultMessage extends EngineResult {
  type: 'result';
  id: number;
}

/** Worker -> main: the refitted layer for fit request `id` (or why it failed), and the fit's time. */
export type CalibrationFittedMessage =
  | { type: 'calibration-fitted'; id: number; layer: LinearLayer; fitMs: number }
  | { type: 'calibration-fitted'; id: number; error: SerializedError };

/** Worker -> main: request `id` failed (or was superseded). */
export interface ClassifyErrorMessage {
  type: 'classify-error';
  id: number;
  error: SerializedError;
}

/** Worker -> main: the backend changed (WebGPU failed or lost its device; now WASM). */
export interface BackendChangedMessage {
  type: 'backend-changed';
  backend: BackendChoice;
}

/** Every message the worker sends. */
export type FromWorker =
  | ProgressMessage
  | ReadyMessage
  | InitErrorMessage
  | ResultMessage
  | ClassifyErrorMessage
  | BackendChangedMessage
  | CalibrationFittedMessage;
