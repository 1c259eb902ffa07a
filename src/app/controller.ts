/**
 * The app's driver of the headless {@link Recognizer}: views call the {@link Controller}
 * methods; recognizer events become store updates. The only writer of the store.
 */
import { parseBackendParam, type BackendPreference } from '../model';
import { APP_VERSION } from '../env';
import { exportCSV, exportJSON } from '../results/export';
import { transitions, type AppStore, type MicPhase } from '../store/app-store';
import type { Controller } from './controller-types';
import type { MicState, Recognizer } from './recognizer';

/** Where the page says the model is and which backend to use. */
export interface PageOptions {
  manifestUrl: string;
  backend: BackendPreference;
}

/** Reads `?model=` and `?backend=` from a page URL. */
export function optionsFromUrl(href: string, defaultManifest: string): PageOptions {
  const url = new URL(href);
  return {
    manifestUrl: url.searchParams.get('model') ?? defaultManifest,
    backend: parseBackendParam(url.search) ?? 'auto',
  };
}

const MIC_PHASE: Record<MicState, MicPhase> = { idle: 'off', starting: 'starting', listening: 'listening', stopping: 'off', disposed: 'off' };

export interface AppController extends Controller {
  /** Loads the model (failures are shown in the store). */
  init(): Promise<void>;
  /** Disposes the recognizer; the store keeps what it shows. */
  dispose(): void;
  readonly recognizer: Recognizer;
}

export function createController(store: AppStore, recognizer: Recognizer): AppController {
  const set = store.setState;
  const get = store.getState;
  const live = () => get().live;
  const r = recognizer;

  r.on('load-start', () => set({ load: { phase: 'loading', loaded: 0, total: 0, file: null, error: null } }));
  r.on('load-progress', (p) => set({ load: { ...get().load, loaded: p.loaded, total: p.total, file: p.file } }));
  r.on('model-ready', ({ model, backend }) => set({ model, backend, load: { ...get().load, phase: 'ready', error: null } }));
  r.on('backend-changed', (backend) => set({ backend }));
  r.on('adaptation', (adaptation) => set({ adaptation }));
  r.on('calibration-available', (calibration) => set({ calibration }));
  r.on('calibration', (calibration) => set({ calibration }));
  r.on('notice', (n) => set(transitions.notify(get(), n.kind, n.text, n.action)));
  r.on('error', (e) => {
    if (e.code === 'model') set({ load: { ...get().load, phase: 'error', error: e.message } });
    // A start that failed (denied, no device): the button shows the error state.
    else if (e.code === 'microphone' && r.micState === 'idle') set({ live: { ...live(), mic: 'error', speech: false } });
  });
  r.on('mic', (s) => {
    const on = s === 'starting' || s === 'listening';
    set({ live: on ? { ...live(), mic: MIC_PHASE[s] } : { ...live(), mic: MIC_PHASE[s], speech: false, level: 0, provisional: null } });
  });
  r.on('level', (level) => set({ live: { ...live(), level } }));
  // The end of speech also ends what the provisional probabilities were about.
  r.on('speech', (speech) => set({ live: speech ? { ...live(), speech } : { ...live(), speech, provisional: null } }));
  r.on('provisional', (p) => set({ live: { ...live(), provisional: { labels: p.labels, probabilities: p.probabilities, durationS: p.durationS } } }));
  r.on('pending', (pending) => set({ live: { ...live(), pending } }));
  r.on('result', (res) => {
    set(transitions.addResult(get(), res));
    r.retainAudio(new Set(get().order));
  });
  r.on('playback', (playing) => set({ playing }));
  r.on('file', (job) => {
    const known = get().files.some((f) => f.id === job.id);
    set(known ? transitions.updateFile(get(), job.id, job) : { files: [...get().files, job] });
  });

  return {
    recognizer,
    init: () => r.load().catch(() => undefined),
    retryModel: () => void r.load().catch(() => undefined),
    // Failures reach the store through the recognizer's error event.
    setModel: (manifestUrl) => void r.setModel(manifestUrl).catch(() => undefined),
    startListening: () => r.start(),
    stopListening: () => r.stop(),
    resetAdaptation: () => r.resetAdaptation(),
    analyseFiles(files) {
      // Each failure is shown on its file's row.
      for (const file of files) r.analyseFile(file).catch(() => undefined);
    },
    playUtterance(id, fromS = 0) {
      r.play(id, fromS).catch((e: unknown) => set(transitions.notify(get(), 'warning', e instanceof Error ? e.message : String(e))));
    },
    selectUtterance(id) {
      set(transitions.select(get(), id));
    },
    utteranceAudio: (id) => r.audio(id),
    clearHistory() {
      set(transitions.clearHistory(get()));
      r.retainAudio(new Set(get().order));
    },
    dismissNotice(id) {
      set(transitions.dismiss(get(), id));
    },
    exportResults(format) {
      const rows = get().order.map((id) => get().results[id]).filter((x) => x !== undefined);
      const ctx = { appVersion: APP_VERSION, exportedAt: new Date() };
      const stamp = ctx.exportedAt.toISOString().replace(/[:.]/g, '-');
      return format === 'json'
        ? { filename: `emotions-${stamp}.json`, text: exportJSON(rows, ctx), mime: 'application/json' }
        : { filename: `emotions-${stamp}.csv`, text: exportCSV(rows, ctx), mime: 'text/csv' };
    },
    calibration: () => r.calibration,
    dispose: () => r.dispose(),
  };
}
