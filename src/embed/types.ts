/**
 * Public types of the embeddable recognizer. Shipped as `emotion-recognizer.d.ts`
 * (declaration emit of this file), so it must stay self-contained: no imports.
 */

/** Which inputs the widget offers. */
export type InputMode = 'mic' | 'file' | 'both';

/** `auto` picks WebGPU only on a hardware adapter, WASM otherwise. */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm';

/** The backend that actually runs the model. */
export type BackendName = 'webgpu' | 'wasm';

/** Why something failed: `invalid-option` is a bad attribute or argument from the host. */
export type RecognizerErrorCode = 'invalid-option' | 'model' | 'microphone' | 'file' | 'inference' | 'calibration';

/**
 * An utterance started: its speech reached the minimum length (300 ms), so an `utterance`
 * (or, rarely, an `utterance-cancel`) with the same `startS` follows.
 */
export interface UtteranceStartEvent {
  source: 'mic' | 'file';
  /** Start in seconds since listening started, or inside the file. */
  startS: number;
  fileName?: string;
}

/**
 * An announced utterance will not come after all: its speech stayed shorter than the
 * minimum (a misfire). Same payload as its `utterance-start`.
 */
export type UtteranceCancelEvent = UtteranceStartEvent;

/** Probabilities of the utterance still in progress (microphone only, about once a second). */
export interface ProvisionalEvent {
  /** Most probable label. */
  label: string;
  labels: string[];
  /** One per label, same order; sums to 1. */
  probabilities: number[];
  startS: number;
  /** Audio analysed so far, in seconds. */
  durationS: number;
}

/**
 * Models whose head has attention over time (CorrAP): how much each moment counted in the
 * statistics the decision was made from (not a proof of cause). Bin b covers the utterance's
 * upstream frames [b·framesPerBin, min((b+1)·framesPerBin, frames)), i.e. from
 * b·framesPerBin·frameS seconds after the utterance's start.
 */
export interface AttentionCurve {
  /** Share of the weight in each bin, oldest first; at most 100 bins; sums to 1. */
  weights: number[];
  /** Upstream frames per bin (the last bin may hold fewer). */
  framesPerBin: number;
  /** Upstream frames in the utterance. */
  frames: number;
  /** Seconds per upstream frame. */
  frameS: number;
}

/** Final result of one utterance. */
export interface UtteranceEvent {
  id: string;
  source: 'mic' | 'file';
  fileName?: string;
  /** Most probable label. */
  label: string;
  labels: string[];
  /** One per label, same order; sums to 1. */
  probabilities: number[];
  /** Start/end in seconds since listening started, or inside the file. */
  startS: number;
  endS: number;
  backend: BackendName;
  inferenceMs: number;
  /**
   * The top probability is below the model's threshold for a trustworthy answer (manifest
   * `evaluation.uncertain_below`, chosen on held-out calibration data); always false for a
   * model without one.
   */
  uncertain: boolean;
  /**
   * Models with session domain normalisation: how many utterances (this one included) the
   * statistics its input was normalised with were adapted on. Absent for other models.
   */
  adaptedOn?: number;
  /** Models whose head has attention over time (CorrAP); absent for other models. */
  attention?: AttentionCurve;
  /**
   * Present when the model was tuned to the user's voice (see {@link RecognizerCalibration}):
   * `probabilities` are then the tuned model's, and these are the shipped model's.
   */
  untunedProbabilities?: number[];
}

/** "Tune to my voice": what has been collected and whether the tuned model is in use. */
export interface CalibrationState {
  /** The model's emotions, in order. */
  labels: string[];
  /** Examples per emotion, same order. */
  counts: number[];
  /** Examples each emotion needs before the model is tuned. */
  minPerClass: number;
  /** Emotions that still have fewer than `minPerClass` examples. */
  missing: string[];
  /** A tuned layer exists (every emotion had enough examples). */
  tuned: boolean;
  /** The on/off switch. */
  enabled: boolean;
  /** Results use the tuned model (`tuned && enabled`). */
  active: boolean;
  /** The emotion the next microphone utterances are recorded as, or null. */
  armed: string | null;
  /** A refit is running. */
  fitting: boolean;
  /** Milliseconds the last refit took in the worker. */
  lastFitMs: number | null;
  /** Ids of recent results that can still be corrected (their features are kept). */
  correctable: string[];
  /** The last storage, import or fit problem, for the user. */
  error: string | null;
}

/**
 * Few-shot tuning of the model's last layer to one user's voice, for models whose manifest
 * declares `head.pooled` and `calibration`. Examples are features of utterances (never
 * audio), kept in this browser's IndexedDB per model name and version.
 */
export interface RecognizerCalibration {
  readonly state: CalibrationState;
  /** The next microphone utterances become examples of `label` (one of `labels`); null stops. */
  arm(label: string | null): void;
  /** Adds a recent result (its `UtteranceEvent.id`) as an example of `label`; throws RecognizerError `calibration` if it is no longer kept. */
  addExample(utteranceId: string, label: string): void;
  /** Refits now (it also refits after every new example); resolves when done and stored. */
  fit(): Promise<void>;
  /** Use the tuned model for results (default true once tuned). */
  enabled: boolean;
  /** Deletes every example and the tuned layer, here and in storage ("Forget my voice"). */
  clear(): Promise<void>;
  /** A JSON text with the examples' features, labels and the tuned layer (no audio). */
  export(): string;
  /** Loads an `export()` text; rejects with RecognizerError `calibration` when it was made for another model version or is damaged. */
  import(text: string): Promise<void>;
}

export interface RecognizerErrorEvent {
  code: RecognizerErrorCode;
  message: string;
}

/** The backend chosen at load time, or switched to later (e.g. WebGPU device lost). */
export interface BackendEvent {
  backend: BackendName;
  /** Upstream variant id, e.g. `fp32`. */
  variant: string;
  reason: string;
}

/** Event name -> payload, for `Recognizer.on` and the element's `CustomEvent.detail`. */
export interface RecognizerEventMap {
  'utterance-start': UtteranceStartEvent;
  'utterance-cancel': UtteranceCancelEvent;
  provisional: ProvisionalEvent;
  utterance: UtteranceEvent;
  error: RecognizerErrorEvent;
  backend: BackendEvent;
  /** "Tune to my voice" changed (models that can be tuned only). */
  calibration: CalibrationState;
}

export type RecognizerEventName = keyof RecognizerEventMap;

export type RecognizerListener<K extends RecognizerEventName> = (event: RecognizerEventMap[K]) => void;

/** Options of `createRecognizer`. URLs may be relative to the page; only http(s) is accepted. */
export interface RecognizerOptions {
  /** manifest.json of the model; default `models/default/manifest.json` beside the bundle. */
  modelUrl?: string;
  backend?: BackendPreference;
  /** Folder holding `ort/` (onnxruntime-web) and `vad/`; default `vendor/` beside the bundle. */
  assetBase?: string;
  /**
   * Further origins (exact, e.g. `https://models.example`) allowed to serve models. Always
   * allowed: the bundle's origin and the host page's origin. A `modelUrl` elsewhere fails
   * to load (`code: 'model'`) without any request to that origin.
   */
  modelOrigins?: readonly string[];
  /** Listeners attached before loading starts (so the first `backend` event is not missed). */
  listeners?: { [K in RecognizerEventName]?: RecognizerListener<K> };
}

/** A loaded recognizer. */
export interface Recognizer {
  /** Class names of the model, in the order of `probabilities`. */
  readonly labels: readonly string[];
  /** Current backend. */
  readonly backend: BackendEvent | null;
  /**
   * Models with session domain normalisation: utterances the running statistics have adapted
   * on (microphone and files share one estimate, in the order they are analysed); null for
   * models without it.
   */
  readonly adaptation: { utterances: number } | null;
  /**
   * Forgets the voice heard so far: the next utterance is normalised with the model's
   * training statistics plus its own frames only, as the first one was. No-op for models without it.
   */
  resetAdaptation(): void;
  /** "Tune to my voice"; null for models that cannot be tuned (no `head.pooled` + `calibration` in the manifest). */
  readonly calibration: RecognizerCalibration | null;
  /** Subscribes; returns the unsubscribe function. */
  on<K extends RecognizerEventName>(type: K, listener: RecognizerListener<K>): () => void;
  off<K extends RecognizerEventName>(type: K, listener: RecognizerListener<K>): void;
  /** Starts the microphone (asks for permission). */
  start(): Promise<void>;
  /** Stops the microphone; the utterance in progress is still analysed. */
  stop(): void;
  /** Analyses a recording (WAV, MP3, OGG, FLAC, WebM, M4A); resolves with its utterances. */
  analyse(file: Blob, name?: string): Promise<UtteranceEvent[]>;
  /** Stops everything and frees workers and model memory. */
  dispose(): void;
}

/** Loads a model and resolves when it is ready; rejects on invalid options or a failed load. */
export type CreateRecognizer = (options?: RecognizerOptions) => Promise<Recognizer>;

/**
 * `<emotion-recognizer model="…/manifest.json" input="mic|file|both" backend="auto|webgpu|wasm" asset-base="…/vendor/" model-origins="https://models.example …" tune>`.
 * `tune` (boolean) shows the "Tune to my voice" flow for models that can be tuned.
 * Dispatches a `CustomEvent` per {@link RecognizerEventMap} entry, payload in `detail`.
 */
export interface EmotionRecognizerElement extends HTMLElement {
  /** The recognizer once the model is loaded, else null. */
  readonly recognizer: Recognizer | null;
  /** Resolves with the recognizer when the model is loaded (rejects like `createRecognizer`). */
  readonly ready: Promise<Recognizer>;
  addEventListener<K extends RecognizerEventName>(
    type: K,
    listener: (this: EmotionRecognizerElement, ev: CustomEvent<RecognizerEventMap[K]>) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Iframe page -> parent (posted only to the configured parent origin). */
export type FrameMessage =
  | { source: 'emotion-recognizer'; type: 'ready'; detail: { labels: string[] } }
  | { [K in RecognizerEventName]: { source: 'emotion-recognizer'; type: K; detail: RecognizerEventMap[K] } }[RecognizerEventName];

/** Parent -> iframe page (accepted only from the configured parent origin). */
export type FrameCommand =
  | { target: 'emotion-recognizer'; type: 'start' }
  | { target: 'emotion-recognizer'; type: 'stop' }
  /** Starts the voice adaptation again from the model's training statistics (see Recognizer.resetAdaptation). */
  | { target: 'emotion-recognizer'; type: 'reset-adaptation' }
  /** Switches the model tuned to the user's voice on or off (see RecognizerCalibration.enabled). */
  | { target: 'emotion-recognizer'; type: 'set-tuning'; enabled: boolean }
  | { target: 'emotion-recognizer'; type: 'analyse'; file: Blob; name?: string };

// Declarations of the bundle's value exports, so the emitted .d.ts is complete on its own.
// Implemented in index.ts; test/unit/embed-types.test.ts checks the two agree.

/** Loads a model and resolves when it is ready. */
export declare const createRecognizer: CreateRecognizer;
/** Registers `<emotion-recognizer>` (done on import; a no-op when already defined). */
export declare function defineEmotionRecognizer(tag?: string): void;
/** The element class (also reachable as `customElements.get('emotion-recognizer')`). */
export declare const EmotionRecognizerElement: { prototype: EmotionRecognizerElement; new (): EmotionRecognizerElement };
/** Rejection reason of `createRecognizer` / `analyse`. */
export declare class RecognizerError extends Error {
  readonly code: RecognizerErrorCode;
  constructor(code: RecognizerErrorCode, message: string);
}

declare global {
  interface HTMLElementTagNameMap {
    'emotion-recognizer': EmotionRecognizerElement;
  }
}
