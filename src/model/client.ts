/**
 * Main-thread handle of the inference worker. Creates the worker, loads the model,
 * classifies utterances, and survives faults: a crashed worker is restarted (model
 * reloaded from the Cache API) and its in-flight final requests retried once; a WebGPU
 * failure inside the worker switches to WASM without losing the request.
 */
import { Emitter } from '../emitter.ts';
import type { BackendChoice, BackendName, BackendPreference } from './backend.ts';
import { LOAD_TIMEOUTS, type LoadTimeouts } from './deadline.ts';
import { InferenceError, ModelLoadError, type ModelLoadErrorCode, type InferenceErrorCode } from './errors.ts';
import type { Manifest } from './manifest.ts';
import { parseModelOrigin } from './origin-policy.ts';
import type { LoadProgress } from './progress.ts';
import type { EngineResult, FromWorker, InitMessage, ReadyMessage, RequestKind, SerializedError, SimulatedFault, ToWorker } from './protocol.ts';
import type { FitRecipe, LinearLayer } from '../calibration/fit.ts';

/** Options of {@link InferenceClient.create}. */
export interface InferenceClientOptions {
  /** manifest.json URL, absolute or relative to the page. */
  manifestUrl: string;
  /** `auto` (default) picks WebGPU only on a hardware adapter. */
  backend?: BackendPreference;
  /** Preferred upstream variant id (e.g. `fp32`), used when it runs on the chosen backend. */
  variant?: string;
  /**
   * Folder of onnxruntime-web's wasm/mjs files. Relative values resolve against the page;
   * default: `vendor/ort/` beside the built app (resolved from this bundle's URL, so an
   * embed served from a CDN or sub-folder finds it).
   */
  assetBase?: string;
  onProgress?: (event: LoadProgress) => void;
  /** Worker factory (tests, custom bundling). Default: the bundled worker.ts module. */
  createWorker?: () => Worker;
  /** Shorter or longer load step limits (defaults: {@link LOAD_TIMEOUTS}). */
  timeouts?: Partial<LoadTimeouts>;
  /**
   * Origins the worker may fetch models from (exact http(s) origins). Default: the page's
   * own origin only. Enforced in the worker before every model request.
   */
  modelOrigins?: readonly string[];
}

/**
 * Result of {@link InferenceClient.classify}: the engine's result with the labels; its
 * `adaptation.epoch` compares with {@link InferenceClient.adaptationEpoch}, and
 * `tunedProbabilities` is present while {@link InferenceClient.setTuned} has set a layer.
 */
export interface ClassifyResult extends EngineResult {
  labels: string[];
}

/** A refitted layer and how long the fit took in the worker. */
export interface FitResult {
  layer: LinearLayer;
  fitMs: number;
}

/** Payloads of the client's events. */
export interface InferenceClientEvents {
  /** The worker switched backend (WebGPU failed or its device was lost). */
  'backend-changed': BackendChoice;
  /** The worker crashed and was restarted; `retried` final requests were re-sent. */
  'worker-restarted': { reason: string; retried: number };
  /** An unrecoverable error (e.g. the restarted worker could not reload the model). */
  error: Error;
}

interface Pending {
  kind: RequestKind;
  audio: Float32Array;
  /** Adaptation epoch when the request was made (kept on a retry). */
  epoch: number;
  retried: boolean;
  resolve: (r: ClassifyResult) => void;
  reject: (e: Error) => void;
}

/** Restarts allowed within {@link RESTART_WINDOW_MS} before the client gives up. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

/** Rebuilds a typed error from its serialized form. */
function revive(e: SerializedError): Error {
  if (e.name === 'ModelLoadError') return new ModelLoadError((e.code ?? 'network') as ModelLoadErrorCode, e.message, e.url);
  if (e.name === 'InferenceError') return new InferenceError((e.code ?? 'run-failed') as InferenceErrorCode, e.message);
  return new Error(e.message);
}

/** Default location of onnxruntime-web's files: `vendor/ort/` beside the built app. */
function defaultAssetBase(): string {
  // A variable, not a literal: Vite must not try to bundle the folder at build time.
  const rel = '../vendor/ort/';
  return new URL(rel, import.meta.url).href;
}

function defaultWorker(): Worker {
  return new Worker(new URL('../worker-entry.ts', import.meta.url), { type: 'module', name: 'inference' });
}

function pageBase(): string {
  return globalThis.document?.baseURI ?? globalThis.location?.href ?? 'http://localhost/';
}

/** Main-thread API of the inference worker. */
export class InferenceClient {
  /** The validated manifest of the loaded model. */
  readonly manifest: Manifest;
  /** Absolute URL of the manifest (model card and files resolve against it). */
  readonly manifestUrl: string;
  private choice: BackendChoice;
  private worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  private restarting = false;
  private restarts: number[] = [];
  private adaptEpoch = 0;
  /** The tuned layer in use (re-sent to a restarted worker). */
  private tuned: LinearLayer | null = null;
  private readonly fits = new Map<number, { resolve: (r: FitResult) => void; reject: (e: Error) => void }>();
  private readonly events = new Emitter<InferenceClientEvents>();

  private constructor(
    worker: Worker,
    ready: ReadyMessage,
    private readonly init: InitMessage,
    private readonly createWorker: () => Worker,
  ) {
    this.worker = worker;
    this.manifest = ready.manifest;
    this.manifestUrl = ready.manifestUrl;
    this.choice = ready.backend;
    this.attach(worker);
  }

  /**
   * Starts the worker and loads the model (progress through `onProgress`).
   * Rejects with {@link ModelLoadError} (`code` says why) when loading fails or a URL is
   * not http(s), and with TypeError for an unknown `backend`.
   */
  static async create(opts: InferenceClientOptions): Promise<InferenceClient> {
    const base = pageBase();
    const preference = opts.backend ?? 'auto';
    if (!['auto', 'webgpu', 'wasm'].includes(preference)) {
      throw new TypeError(`backend must be "auto", "webgpu" or "wasm", not ${JSON.stringify(preference)}`);
    }
    const init: InitMessage = {
      type: 'init',
      manifestUrl: httpUrl(opts.manifestUrl, base, 'manifestUrl'),
      preference,
      wasmPaths: opts.assetBase !== undefined ? withSlash(httpUrl(opts.assetBase, base, 'assetBase')) : defaultAssetBase(),
      modelOrigins: modelOrigins(opts.modelOrigins, base),
      ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
      ...(opts.timeouts !== undefined ? { timeouts: opts.timeouts } : {}),
    };
    const createWorker = opts.createWorker ?? defaultWorker;
    const worker = createWorker();
    const ready = await startWorker(worker, init, opts.onProgress);
    return new InferenceClient(worker, ready, init, createWorker);
  }

  /** Backend, variant and the reason they were chosen (changes on fallback). */
  get backend(): BackendChoice {
    return this.choice;
  }

  /** Class names, in the order of `probabilities`. */
  get labels(): string[] {
    return this.manifest.labels;
  }

  /**
   * Classifies mono 16 kHz audio. `audio16k` is copied, never detached.
   * `provisional` requests still waiting when a newer request arrives reject with
   * {@link InferenceError} code `superseded`; `final` requests are never dropped.
   */
  classify(audio16k: Float32Array, kind: RequestKind): Promise<ClassifyResult> {
    if (this.disposed) return Promise.reject(new InferenceError('disposed', 'the inference client was disposed'));
    if (!(audio16k instanceof Float32Array) || audio16k.length === 0) {
      return Promise.reject(new InferenceError('invalid-input', 'audio16k must be a non-empty Float32Array of 16 kHz mono samples'));
    }
    if (kind !== 'final' && kind !== 'provisional') {
      return Promise.reject(new InferenceError('invalid-input', `kind must be "final" or "provisional", not ${JSON.stringify(kind)}`));
    }
    const id = this.nextId++;
    return new Promise<ClassifyResult>((resolve, reject) => {
      this.pending.set(id, { kind, audio: audio16k, epoch: this.adaptEpoch, retried: false, resolve, reject });
      if (!this.restarting) this.send(id);
    });
  }

  /**
   * Restarts the session's domain statistics from the model's prior (models with
   * `domain_normalization`; a no-op for others): utterances classified after this call are
   * normalised as if none had been heard before them; those requested earlier are not affected.
   */
  resetAdaptation(): void {
    this.adaptEpoch++;
  }

  /** Epoch of the current domain statistics (results with another epoch predate a reset). */
  get adaptationEpoch(): number {
    return this.adaptEpoch;
  }

  /**
   * Uses `layer` (a refit of the head's final layer, see {@link fitCalibration}) for the
   * `tunedProbabilities` of results requested from now on; null stops. Models without
   * `head.pooled` never return tuned probabilities.
   */
  setTuned(layer: LinearLayer | null): void {
    this.tuned = layer;
    if (!this.disposed && !this.restarting) this.post({ type: 'calibration-set', layer });
  }

  /**
   * Refits the model's final layer in the worker on pooled vectors x [n, dim] (row-major) with
   * class indices y [n]. Rejects with the worker's error (bad shapes, no pooled output, a crash).
   */
  fitCalibration(x: Float32Array, y: Int32Array, recipe: FitRecipe): Promise<FitResult> {
    if (this.disposed) return Promise.reject(new InferenceError('disposed', 'the inference client was disposed'));
    const id = this.nextId++;
    return new Promise<FitResult>((resolve, reject) => {
      this.fits.set(id, { resolve, reject });
      const xs = x.slice();
      const ys = y.slice();
      this.post({ type: 'calibration-fit', id, x: xs, y: ys, recipe }, [xs.buffer, ys.buffer]);
    });
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof InferenceClientEvents>(event: K, cb: (payload: InferenceClientEvents[K]) => void): () => void {
    return this.events.on(event, cb);
  }

  /** Test hook: makes the worker crash or lose its WebGPU device. */
  simulateFault(fault: SimulatedFault): void {
    this.post({ type: 'simulate-fault', fault });
  }

  /** Terminates the worker; pending requests reject with code `disposed`. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.post({ type: 'dispose' });
    this.worker.terminate();
    this.rejectAll((p) => p.reject(new InferenceError('disposed', 'the inference client was disposed')));
  }

  private emit<K extends keyof InferenceClientEvents>(event: K, payload: InferenceClientEvents[K]): void {
    this.events.emit(event, payload);
  }

  private post(msg: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  private send(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    // Copy: the caller keeps its buffer (history playback), the copy is transferred.
    const audio = p.audio.slice();
    this.post({ type: 'classify', id, kind: p.kind, audio, adaptEpoch: p.epoch }, [audio.buffer]);
  }

  private attach(worker: Worker): void {
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.onMessage(event.data);
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      void this.restart(event.message || 'worker error');
    };
    worker.onmessageerror = () => void this.restart('worker message could not be deserialised');
  }

  private onMessage(msg: FromWorker): void {
    switch (msg.type) {
      case 'result': {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        p.resolve({
          probabilities: msg.probabilities,
          labels: this.manifest.labels,
          inferenceMs: msg.inferenceMs,
          backend: msg.backend,
          ...(msg.adaptation ? { adaptation: msg.adaptation } : {}),
          ...(msg.attention ? { attention: msg.attention } : {}),
          ...(msg.pooled ? { pooled: msg.pooled } : {}),
          ...(msg.tunedProbabilities ? { tunedProbabilities: msg.tunedProbabilities } : {}),
        });
        break;
      }
      case 'calibration-fitted': {
        const f = this.fits.get(msg.id);
        if (!f) return;
        this.fits.delete(msg.id);
        if ('error' in msg) f.reject(revive(msg.error));
        else f.resolve({ layer: msg.layer, fitMs: msg.fitMs });
        break;
      }
      case 'classify-error': {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        p.reject(revive(msg.error));
        break;
      }
      case 'backend-changed':
        this.choice = msg.backend;
        this.emit('backend-changed', msg.backend);
        break;
      case 'progress':
      case 'ready':
      case 'init-error':
        break; // only meaningful during start-up (startWorker)
      default: {
        const unknown: never = msg;
        console.warn('unexpected worker message', unknown);
      }
    }
  }

  /** Replaces a crashed worker, reloads the model, re-sends final requests once. */
  private async restart(reason: string): Promise<void> {
    if (this.disposed || this.restarting) return;
    this.restarting = true;
    this.worker.onmessage = null;
    this.worker.onerror = null;
    this.worker.terminate();
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS).concat(now);

    // A fit in flight died with the worker; the caller may simply fit again.
    for (const f of this.fits.values()) f.reject(new InferenceError('worker-crashed', `the inference worker crashed (${reason})`));
    this.fits.clear();
    // Provisional results are stale by the time a new worker is up; finals get one retry.
    const retry: number[] = [];
    for (const [id, p] of [...this.pending]) {
      if (p.kind === 'final' && !p.retried) {
        p.retried = true;
        retry.push(id);
      } else {
        this.pending.delete(id);
        p.reject(new InferenceError('worker-crashed', `the inference worker crashed (${reason})`));
      }
    }
    if (this.restarts.length > MAX_RESTARTS) {
      this.fail(new InferenceError('worker-crashed', `the inference worker crashed ${this.restarts.length} times in a minute (${reason})`));
      return;
    }
    try {
      // Keep the backend that was working; the model comes from the Cache API now.
      const init: InitMessage = { ...this.init, preference: this.choice.backend, variant: this.choice.variant };
      const worker = this.createWorker();
      const ready = await startWorker(worker, init);
      if (this.disposed) {
        worker.terminate();
        return;
      }
      this.worker = worker;
      this.choice = ready.backend;
      this.attach(worker);
      this.restarting = false;
      if (this.tuned) this.post({ type: 'calibration-set', layer: this.tuned });
      for (const id of this.pending.keys()) this.send(id);
      this.emit('worker-restarted', { reason, retried: retry.length });
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private fail(error: Error): void {
    this.restarting = false;
    this.disposed = true;
    this.rejectAll((p) => p.reject(new InferenceError('worker-crashed', error.message)));
    this.emit('error', error);
  }

  private rejectAll(fn: (p: Pending) => void): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    all.forEach(fn);
    const fits = [...this.fits.values()];
    this.fits.clear();
    for (const f of fits) f.reject(new InferenceError('disposed', 'the inference client was disposed or failed'));
  }
}

/**
 * `value` resolved against `base`; only http(s) URLs
 * are accepted, so a host page cannot point the worker at javascript: or data: URLs.
 */
function httpUrl(value: unknown, base: string, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ModelLoadError('invalid-manifest', `${name} must be a non-empty URL string`);
  }
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    throw new ModelLoadError('invalid-manifest', `${name} is not a valid URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelLoadError('invalid-manifest', `${name} must be an http(s) URL, not ${url.protocol}`);
  }
  return url.href;
}

/** The validated allow-list (ModelLoadError `forbidden-origin` on a malformed entry); default the page's origin. */
function modelOrigins(list: readonly string[] | undefined, base: string): string[] {
  if (list === undefined) return [new URL(base).origin];
  try {
    return [...new Set(list.map(parseModelOrigin))];
  } catch (e) {
    throw new ModelLoadError('forbidden-origin', `modelOrigins: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * Sends `init` and waits for `ready` (forwarding progress) or `init-error`. A worker silent
 * for `timeouts.workerIdleMs` (never started, stuck, or its reply lost) is terminated and
 * the load fails with code `timeout`.
 */
function startWorker(worker: Worker, init: InitMessage, onProgress?: (e: LoadProgress) => void): Promise<ReadyMessage> {
  const idleMs = init.timeouts?.workerIdleMs ?? LOAD_TIMEOUTS.workerIdleMs;
  return new Promise<ReadyMessage>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        fail(new ModelLoadError('timeout', `Loading ${init.manifestUrl} stopped: the inference worker sent nothing for ${idleMs / 1000} s.`, init.manifestUrl));
      }, idleMs);
    };
    const fail = (e: Error): void => {
      clearTimeout(timer);
      worker.onmessage = null;
      worker.onerror = null;
      worker.terminate();
      reject(e);
    };
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const msg = event.data;
      watch();
      if (msg.type === 'progress') onProgress?.(msg.event);
      else if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve(msg);
      } else if (msg.type === 'init-error') fail(revive(msg.error));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      fail(new ModelLoadError('session', `the inference worker failed while loading: ${event.message || 'unknown error'}`));
    };
    watch();
    worker.postMessage(init satisfies ToWorker);
  });
}
