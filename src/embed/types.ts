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
export type RecognizerErrorCode = 'invalid-option' | 'model' | 'microphone' | 'file' | 'inference';

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
 * `<emotion-recognizer model="…/manifest.json" input="mic|file|both" backend="auto|webgpu|wasm" asset-base="…/vendor/" model-origins="https://models.example …">`.
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
