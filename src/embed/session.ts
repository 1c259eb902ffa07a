/**
 * One embedded recognizer: store + controller wired to the real audio ports, with worker
 * factories and asset URLs that follow the bundle, and typed events for the host.
 */
import { createController, type ControllerEvent } from '../app/controller';
import { browserPorts } from '../app/ports-browser';
import type { UtteranceResult } from '../results/types';
import { createAppStore, type AppStore } from '../store/app-store';
import { defaultAssetBase, defaultModelUrl } from './base';
import { RecognizerError, parseAudioBlob, parseBackend, parseFolderUrl, parseHttpUrl } from './validate';
import { createInferenceWorker, createVadWorker } from './workers';
import type { BackendEvent, Recognizer, RecognizerEventMap, RecognizerEventName, RecognizerListener, RecognizerOptions, UtteranceEvent } from './types';

export interface Session {
  store: AppStore;
  controller: ReturnType<typeof createController>;
  recognizer: Recognizer;
  /** Resolves when the model is loaded; rejects with {@link RecognizerError} `model` otherwise. */
  ready: Promise<Recognizer>;
  /** Like `recognizer.dispose()`; pending `analyse()` calls reject with `reason`. */
  dispose(reason: string): void;
}

function top(labels: readonly string[], p: readonly number[]): string {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return labels[best] ?? '';
}

/** Host-facing shape of a stored result. */
export function toUtteranceEvent(r: UtteranceResult): UtteranceEvent {
  return {
    id: r.id,
    source: r.source,
    ...(r.fileName !== undefined ? { fileName: r.fileName } : {}),
    label: top(r.labels, r.probabilities),
    labels: [...r.labels],
    probabilities: [...r.probabilities],
    startS: r.startS,
    endS: r.endS,
    backend: r.backend,
    inferenceMs: r.inferenceMs,
  };
}

type Emit = <K extends RecognizerEventName>(type: K, detail: RecognizerEventMap[K]) => void;

function forward(e: ControllerEvent, emit: Emit): void {
  switch (e.type) {
    case 'utterance-start':
      emit('utterance-start', { source: e.source, startS: e.startS, ...(e.fileName !== undefined ? { fileName: e.fileName } : {}) });
      break;
    case 'provisional':
      emit('provisional', { label: top(e.labels, e.probabilities), labels: [...e.labels], probabilities: [...e.probabilities], startS: e.startS, durationS: e.durationS });
      break;
    case 'utterance':
      emit('utterance', toUtteranceEvent(e.result));
      break;
    case 'error':
      emit('error', { code: e.scope, message: e.message });
      break;
    case 'backend':
      emit('backend', { backend: e.backend, variant: e.variant, reason: e.reason });
      break;
  }
}

/**
 * Validates `options` (throws {@link RecognizerError} `invalid-option`) and starts loading.
 * `extra` receives every event too (the custom element re-dispatches them as DOM events).
 */
export function createSession(options: RecognizerOptions = {}, extra?: Emit): Session {
  if (typeof options !== 'object' || options === null) throw new RecognizerError('invalid-option', 'options must be an object');
  const page = document.baseURI;
  const manifestUrl = options.modelUrl === undefined ? defaultModelUrl() : parseHttpUrl('modelUrl', options.modelUrl, page);
  const assetBase = options.assetBase === undefined ? defaultAssetBase() : parseFolderUrl('assetBase', options.assetBase, page);
  const backend = parseBackend(options.backend);

  const listeners = new Map<RecognizerEventName, Set<(e: never) => void>>();
  const on = <K extends RecognizerEventName>(type: K, cb: RecognizerListener<K>) => {
    if (typeof cb !== 'function') throw new RecognizerError('invalid-option', `listener for "${type}" must be a function`);
    let set = listeners.get(type);
    if (!set) listeners.set(type, (set = new Set()));
    set.add(cb as (e: never) => void);
    return () => void set.delete(cb as (e: never) => void);
  };
  for (const [type, cb] of Object.entries(options.listeners ?? {})) {
    if (cb) on(type as RecognizerEventName, cb as RecognizerListener<RecognizerEventName>);
  }
  let current: BackendEvent | null = null;
  const emit: Emit = (type, detail) => {
    if (type === 'backend') current = detail as BackendEvent;
    for (const cb of listeners.get(type) ?? []) (cb as RecognizerListener<typeof type>)(detail);
    extra?.(type, detail);
  };

  const store = createAppStore();
  const controller = createController(store, { manifestUrl, backend, assetBase, createInferenceWorker }, browserPorts(assetBase, { createVadWorker }));
  const detach = controller.onEvent((e) => forward(e, emit));
  /** Pending analyse() calls, rejected on dispose so none waits forever. */
  const cancels = new Set<(reason: string) => void>();
  let disposed = false;

  const recognizer: Recognizer = {
    get labels() {
      return store.getState().model?.labels ?? [];
    },
    get backend() {
      return current;
    },
    on,
    off: (type, cb) => void listeners.get(type)?.delete(cb as (e: never) => void),
    start: () => controller.startListening(),
    stop: () => controller.stopListening(),
    analyse: (file, name) => (disposed ? Promise.reject(new RecognizerError('file', 'cancelled: the recognizer was disposed')) : analyse(store, controller, cancels, file, name)),
    dispose: () => dispose('cancelled: the recognizer was disposed'),
  };
  /** Stops everything; nothing is reported to the host afterwards. */
  const dispose = (reason: string) => {
    if (disposed) return;
    disposed = true;
    detach();
    listeners.clear();
    for (const cancel of [...cancels]) cancel(reason);
    controller.dispose();
  };
  const ready = controller.init().then(() => {
    const load = store.getState().load;
    if (load.phase !== 'ready') throw new RecognizerError('model', load.error ?? 'the model did not load');
    return recognizer;
  });
  return { store, controller, recognizer, ready, dispose };
}

/** Queues one file and resolves with its utterances when its job finishes. */
function analyse(store: AppStore, controller: Session['controller'], cancels: Set<(reason: string) => void>, raw: unknown, name: unknown): Promise<UtteranceEvent[]> {
  let file: File;
  try {
    const blob = parseAudioBlob(raw);
    const fileName = typeof name === 'string' && name ? name : blob instanceof File ? blob.name : 'audio';
    file = blob instanceof File && fileName === blob.name ? blob : new File([blob], fileName, { type: blob.type });
  } catch (e) {
    return Promise.reject(e);
  }
  if (store.getState().load.phase !== 'ready') return Promise.reject(new RecognizerError('model', 'the model is not loaded'));
  controller.analyseFiles([file]);
  // analyseFiles appends the job synchronously.
  const jobId = store.getState().files.at(-1)?.id;
  return new Promise((resolve, reject) => {
    let unsubscribe = () => undefined as void;
    const settle = () => {
      unsubscribe();
      cancels.delete(cancel);
    };
    const cancel = (reason: string) => {
      settle();
      reject(new RecognizerError('file', `${file.name}: ${reason}`));
    };
    const check = (): boolean => {
      const s = store.getState();
      const job = s.files.find((f) => f.id === jobId);
      if (!job) reject(new RecognizerError('file', `${file.name}: the job was cleared before it finished`));
      else if (job.status === 'error') reject(new RecognizerError('file', `${file.name}: ${job.message ?? 'analysis failed'}`));
      else if (job.status === 'done') resolve(job.utteranceIds.flatMap((id) => (s.results[id] ? [toUtteranceEvent(s.results[id])] : [])));
      else return false;
      settle();
      return true;
    };
    if (check()) return;
    cancels.add(cancel);
    unsubscribe = store.subscribe(() => void check());
  });
}

/** See {@link CreateRecognizer}. */
export function createRecognizer(options?: RecognizerOptions): Promise<Recognizer> {
  try {
    const session = createSession(options);
    return session.ready.catch((e: unknown) => {
      session.recognizer.dispose(); // nothing can use a recognizer without a model
      throw e;
    });
  } catch (e) {
    return Promise.reject(e);
  }
}
