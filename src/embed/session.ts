/**
 * The embed's two drivers of the headless {@link Recognizer}: the JS API returns the
 * Recognizer itself (no store); the custom element adds the app's store and view on top of
 * one. Worker factories and asset URLs follow the bundle, wherever it is hosted.
 */
import { createController, type AppController } from '../app/controller';
import { browserPorts } from '../app/ports-browser';
import { Recognizer } from '../app/recognizer';
import { HISTORY_LIMIT, createAppStore, type AppStore } from '../store/app-store';
import { DEPLOYED_MODEL_ORIGINS } from '../env';
import { defaultAssetBase, defaultModelUrl, getBundleBase } from './base';
import { RecognizerError, parseBackend, parseFolderUrl, parseHttpUrl, parseOriginsOption } from './validate';
import { createInferenceWorker, createVadWorker } from './workers';
import type { Recognizer as PublicRecognizer, RecognizerEventMap, RecognizerEventName, RecognizerListener, RecognizerOptions } from './types';

/** Public event names, in the order hosts usually care about them. */
export const PUBLIC_EVENTS: readonly RecognizerEventName[] = ['utterance-start', 'utterance-cancel', 'provisional', 'utterance', 'error', 'backend', 'calibration'];

/**
 * Validates `options` (throws {@link RecognizerError} `invalid-option`) and builds a
 * recognizer with the host's listeners attached; loading has not started yet.
 */
export function buildRecognizer(options: RecognizerOptions = {}): Recognizer {
  if (typeof options !== 'object' || options === null) throw new RecognizerError('invalid-option', 'options must be an object');
  const page = document.baseURI;
  const manifestUrl = options.modelUrl === undefined ? defaultModelUrl() : parseHttpUrl('modelUrl', options.modelUrl, page);
  const assetBase = options.assetBase === undefined ? defaultAssetBase() : parseFolderUrl('assetBase', options.assetBase, page);
  const backend = parseBackend(options.backend);
  const modelOrigins = allowedModelOrigins(options.modelOrigins, page);
  const recognizer = new Recognizer(
    { manifestUrl, backend, historyLimit: HISTORY_LIMIT },
    browserPorts(assetBase, { createVadWorker, createInferenceWorker, modelOrigins }),
  );
  for (const [type, cb] of Object.entries(options.listeners ?? {})) {
    if (cb) recognizer.on(type as RecognizerEventName, cb as RecognizerListener<RecognizerEventName>);
  }
  return recognizer;
}

/**
 * Where the embed may load models from: the bundle's origin (its default model), the host
 * page's origin, the build's SER_MODEL_ORIGINS, and what the host passes in `modelOrigins`.
 * In the iframe the host page is embed.html itself, so URL parameters cannot widen it.
 */
function allowedModelOrigins(option: unknown, page: string): string[] {
  const extra = option === undefined ? [] : parseOriginsOption('modelOrigins', option);
  return [...new Set([new URL(getBundleBase()).origin, new URL(page).origin, ...DEPLOYED_MODEL_ORIGINS, ...extra])];
}

/** See {@link CreateRecognizer}. */
export function createRecognizer(options?: RecognizerOptions): Promise<PublicRecognizer> {
  let recognizer: Recognizer;
  try {
    recognizer = buildRecognizer(options);
  } catch (e) {
    return Promise.reject(e);
  }
  return recognizer.load().then(
    () => recognizer,
    (e: unknown) => {
      recognizer.dispose(); // nothing can use a recognizer without a model
      throw e;
    },
  );
}

/** What the custom element runs: the recognizer, and the store + controller its view needs. */
export interface ElementSession {
  recognizer: Recognizer;
  store: AppStore;
  controller: AppController;
  /** Resolves when the model is loaded; rejects with {@link RecognizerError} `model` otherwise. */
  ready: Promise<Recognizer>;
}

/**
 * Builds and loads a recognizer for the element; `dispatch` receives every public event
 * (the element re-dispatches them as DOM events).
 */
export function createElementSession(
  options: RecognizerOptions,
  dispatch: <K extends RecognizerEventName>(type: K, detail: RecognizerEventMap[K]) => void,
): ElementSession {
  const recognizer = buildRecognizer(options);
  for (const type of PUBLIC_EVENTS) recognizer.on(type, (detail) => dispatch(type, detail));
  const store = createAppStore();
  const controller = createController(store, recognizer);
  const ready = recognizer.load().then(() => recognizer);
  return { recognizer, store, controller, ready };
}
