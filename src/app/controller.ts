/**
 * Orchestrates capture -> segment -> model -> store. The only writer of the store.
 * Views call the {@link Controller} methods; everything else arrives as events.
 */
import { InferenceClient, describeError, parseBackendParam, type BackendPreference, type LoadProgress } from '../model';
import { toCSV, toJSON } from '../results/postprocess';
import type { UtteranceResult } from '../results/types';
import { HISTORY_LIMIT, transitions, type AppStore, type FileJob, type MicPhase } from '../store/app-store';
import type { VadEvent } from '../vad/events';
import { AudioBank } from './audio-bank';
import type { Controller } from './controller-types';
import { Microphone, type MicState } from './microphone';
import type { AppPorts, SegmenterPort } from './ports';

export interface ControllerOptions {
  manifestUrl: string;
  backend: BackendPreference;
  /** Folder with onnxruntime-web's files and the VAD model (default: vendor/ beside the bundle). */
  assetBase?: string;
  /** Creates the inference worker (the embed needs a cross-origin-safe factory). */
  createInferenceWorker?: () => Worker;
}

/** What happened, for observers outside the store (the embed forwards these to host pages). */
export type ControllerEvent =
  | { type: 'utterance-start'; source: 'mic' | 'file'; startS: number; fileName?: string }
  | { type: 'provisional'; labels: readonly string[]; probabilities: readonly number[]; startS: number; durationS: number }
  | { type: 'utterance'; result: UtteranceResult }
  | { type: 'error'; scope: 'model' | 'microphone' | 'file' | 'inference'; message: string }
  | { type: 'backend'; backend: 'webgpu' | 'wasm'; variant: string; reason: string };

const SR = 16000;

/** Reads `?model=` and `?backend=` from a page URL. */
export function optionsFromUrl(href: string, defaultManifest: string): ControllerOptions {
  const url = new URL(href);
  return {
    manifestUrl: url.searchParams.get('model') ?? defaultManifest,
    backend: parseBackendParam(url.search) ?? 'auto',
  };
}

export function createController(store: AppStore, opts: ControllerOptions, ports: AppPorts): Controller & {
  init(): Promise<void>;
  dispose(): void;
  /** Subscribe to finished utterances (the embed API forwards these). */
  onResult(cb: (r: UtteranceResult) => void): () => void;
  /** Subscribe to every {@link ControllerEvent}. */
  onEvent(cb: (e: ControllerEvent) => void): () => void;
} {
  const set = store.setState;
  const get = store.getState;
  const bank = new AudioBank(HISTORY_LIMIT);
  const resultListeners = new Set<(r: UtteranceResult) => void>();
  const eventListeners = new Set<(e: ControllerEvent) => void>();
  let disposed = false;
  const emit = (e: ControllerEvent) => {
    if (disposed) return; // work cut short by dispose() reports nothing
    for (const cb of eventListeners) cb(e);
  };
  let client: InferenceClient | null = null;
  const mic = new Microphone(ports);
  let micStartedAt = 0;
  let seq = 0;
  const fileQueue: { job: FileJob; file: File }[] = [];
  let fileWorkerBusy = false;
  // One VAD worker serves every file in turn (starting one costs an ORT load): events go
  // to the file being analysed; a failed worker is replaced for the next file.
  let fileSegmenter: SegmenterPort | null = null;
  let onFileEvent: (e: VadEvent) => void = () => undefined;
  let onFileError: (m: string) => void = () => undefined;

  const notify = (kind: 'info' | 'warning' | 'error', text: string, action?: string, scope: 'microphone' | 'inference' = 'inference') => {
    set(transitions.notify(get(), kind, text, action));
    if (kind === 'error') emit({ type: 'error', scope, message: text });
  };

  const MIC_PHASE: Record<MicState, MicPhase> = { idle: 'off', starting: 'starting', listening: 'listening', stopping: 'off', disposed: 'off' };
  mic.events.on('state', (state) => {
    const live = get().live;
    set({ live: state === 'listening' || state === 'starting' ? { ...live, mic: MIC_PHASE[state] } : { ...live, mic: MIC_PHASE[state], speech: false, level: 0, provisional: null } });
  });
  mic.events.on('level', (level) => set({ live: { ...get().live, level } }));
  mic.events.on('vad', (e) => onMicEvent(e));
  mic.events.on('notice', (n) => notify(n.kind, n.text, undefined, 'microphone'));

  async function loadModel(): Promise<void> {
    set({ load: { phase: 'loading', loaded: 0, total: 0, file: null, error: null } });
    try {
      client?.dispose();
      client = null;
      const c = await InferenceClient.create({
        manifestUrl: opts.manifestUrl,
        backend: opts.backend,
        assetBase: opts.assetBase ? new URL('ort/', opts.assetBase).href : undefined,
        onProgress: (e: LoadProgress) => onProgress(e),
        ...(opts.createInferenceWorker ? { createWorker: opts.createInferenceWorker } : {}),
      });
      if (disposed) {
        c.dispose(); // disposed while loading: the new worker must not outlive us
        return;
      }
      client = c;
      const m = c.manifest;
      set({
        model: {
          name: m.name,
          version: m.version,
          labels: m.labels,
          cardUrl: m.model_card ? new URL(m.model_card, c.manifestUrl).href : null,
          manifestUrl: c.manifestUrl,
        },
        backend: { backend: c.backend.backend, reason: c.backend.reason, variant: c.backend.variant, forced: opts.backend !== 'auto' },
        load: { ...get().load, phase: 'ready', error: null },
      });
      emit({ type: 'backend', backend: c.backend.backend, variant: c.backend.variant, reason: c.backend.reason });
      c.on('backend-changed', (b) => {
        set({ backend: { backend: b.backend, reason: b.reason, variant: b.variant, forced: false } });
        notify('warning', `Switched to ${b.backend === 'wasm' ? 'WASM' : 'WebGPU'}: ${b.reason}`);
        emit({ type: 'backend', backend: b.backend, variant: b.variant, reason: b.reason });
      });
      c.on('worker-restarted', (e) => notify('warning', `The inference worker stopped and was restarted (${e.reason}).`));
      c.on('error', (e) => notify('error', `Inference failed: ${describeError(e)}`, 'Retry'));
    } catch (e) {
      set({ load: { ...get().load, phase: 'error', error: describeError(e) } });
      emit({ type: 'error', scope: 'model', message: describeError(e) });
    }
  }

  function onProgress(e: LoadProgress): void {
    if (e.status === 'progress') {
      set({ load: { ...get().load, loaded: e.overallLoaded, total: e.overallTotal, file: e.file.split('/').pop() ?? e.file } });
    }
  }

  function addResult(r: UtteranceResult, audio: Float32Array): void {
    bank.put(r.id, audio);
    set(transitions.addResult(get(), r));
    bank.retain(new Set(get().order));
    for (const cb of resultListeners) cb(r);
    emit({ type: 'utterance', result: r });
  }

  async function classify(audio: Float32Array, meta: Pick<UtteranceResult, 'source' | 'fileName' | 'startS' | 'endS'>): Promise<UtteranceResult | null> {
    if (!client) return null;
    const copy = audio.slice(); // the worker takes ownership of what it is sent
    const out = await client.classify(audio, 'final');
    const r: UtteranceResult = {
      id: `u${++seq}`,
      ...meta,
      labels: out.labels,
      probabilities: Array.from(out.probabilities),
      at: Date.now(),
      backend: out.backend,
      inferenceMs: out.inferenceMs,
    };
    addResult(r, copy);
    return r;
  }

  function onMicEvent(e: VadEvent): void {
    const live = () => get().live;
    switch (e.type) {
      case 'speech-start':
        set({ live: { ...live(), speech: true } });
        emit({ type: 'utterance-start', source: 'mic', startS: micStartedAt + e.startSample / SR });
        break;
      case 'misfire':
        set({ live: { ...live(), speech: false, provisional: null } });
        break;
      case 'partial': {
        const c = client;
        if (!c) break;
        const durationS = e.audio.length / SR;
        c.classify(e.audio, 'provisional').then(
          (out) => {
            // A final result may have arrived meanwhile: only show while speech goes on.
            if (!live().speech) return;
            const probabilities = Array.from(out.probabilities);
            set({ live: { ...live(), provisional: { labels: out.labels, probabilities, durationS } } });
            emit({ type: 'provisional', labels: out.labels, probabilities, startS: micStartedAt + e.startSample / SR, durationS });
          },
          () => undefined, // superseded provisional requests are expected
        );
        break;
      }
      case 'utterance': {
        set({ live: { ...live(), speech: e.reason === 'max-length', provisional: null, pending: live().pending + 1 } });
        const startS = micStartedAt + e.startSample / SR;
        classify(e.audio, { source: 'mic', startS, endS: micStartedAt + e.endSample / SR })
          .catch((err) => notify('error', `Could not analyse an utterance: ${describeError(err)}`))
          .finally(() => set({ live: { ...live(), pending: Math.max(0, live().pending - 1) } }));
        break;
      }
    }
  }

  async function startListening(): Promise<void> {
    try {
      await mic.start();
    } catch (e) {
      if (mic.state === 'disposed') return;
      set({ live: { ...get().live, mic: 'error', speech: false } });
      notify('error', describeError(e), undefined, 'microphone');
    }
  }

  function stopListening(): void {
    void mic.stop();
  }

  function analyseFiles(files: readonly File[]): void {
    for (const file of files) {
      const job: FileJob = { id: `f${++seq}`, name: file.name, status: 'queued', progress: 0, durationS: null, utteranceIds: [], message: null };
      set({ files: [...get().files, job] });
      fileQueue.push({ job, file });
    }
    void drainFiles();
  }

  async function drainFiles(): Promise<void> {
    if (fileWorkerBusy) return;
    fileWorkerBusy = true;
    try {
      for (let next = fileQueue.shift(); next; next = fileQueue.shift()) await analyseFile(next.job, next.file);
    } finally {
      fileWorkerBusy = false;
    }
  }

  async function analyseFile(job: FileJob, file: File): Promise<void> {
    const update = (patch: Partial<FileJob>) => set(transitions.updateFile(get(), job.id, patch));
    const ids: string[] = [];
    const work: Promise<unknown>[] = [];
    let failure: string | null = null;
    try {
      update({ status: 'decoding' });
      const opened = await ports.openFile(file);
      const total = opened.durationS;
      update({ status: 'analysing', durationS: total, progress: 0.02 });
      onFileEvent = (e) => {
        if (e.type !== 'utterance') return;
        emit({ type: 'utterance-start', source: 'file', startS: e.startSample / SR, fileName: file.name });
        const w = classify(e.audio, { source: 'file', fileName: file.name, startS: e.startSample / SR, endS: e.endSample / SR }).then((r) => {
          if (r) ids.push(r.id);
          update({ utteranceIds: [...ids] });
        });
        w.catch(() => undefined); // handled by Promise.all below, unless segmentation failed first
        work.push(w);
      };
      onFileError = (m) => (failure = m);
      fileSegmenter ??= await ports.createSegmenter(
        (e) => onFileEvent(e),
        (m) => onFileError(m),
      );
      await fileSegmenter.pushFile(opened.chunks, (seconds) => update({ progress: 0.02 + 0.9 * (total > 0 ? Math.min(1, seconds / total) : 1) }));
      await Promise.all(work);
      if (failure) throw new Error(`Speech detection failed: ${failure}`);
      update({
        status: 'done',
        progress: 1,
        utteranceIds: [...ids],
        message: ids.length === 0 ? 'No speech found in this file.' : opened.warning,
      });
    } catch (e) {
      update({ status: 'error', message: describeError(e) });
      emit({ type: 'error', scope: 'file', message: `${file.name}: ${describeError(e)}` });
    } finally {
      onFileEvent = () => undefined;
      onFileError = () => undefined;
      if (failure) {
        fileSegmenter?.release();
        fileSegmenter = null;
      }
    }
  }

  return {
    init: loadModel,
    retryModel: () => void loadModel(),
    startListening,
    stopListening,
    analyseFiles,
    playUtterance(id) {
      bank.play(id).catch((e) => notify('warning', describeError(e)));
    },
    clearHistory() {
      set(transitions.clearHistory(get()));
      bank.retain(new Set(get().order));
    },
    dismissNotice(id) {
      set(transitions.dismiss(get(), id));
    },
    exportResults(format) {
      const rows = get().order.map((id) => get().results[id]).filter((r) => r !== undefined);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return format === 'json'
        ? { filename: `emotions-${stamp}.json`, text: toJSON(rows), mime: 'application/json' }
        : { filename: `emotions-${stamp}.csv`, text: toCSV(rows), mime: 'text/csv' };
    },
    onResult(cb) {
      resultListeners.add(cb);
      return () => resultListeners.delete(cb);
    },
    onEvent(cb) {
      eventListeners.add(cb);
      return () => eventListeners.delete(cb);
    },
    dispose() {
      disposed = true;
      eventListeners.clear();
      resultListeners.clear();
      mic.dispose();
      fileSegmenter?.release();
      client?.dispose();
      bank.clear();
    },
  };
}
