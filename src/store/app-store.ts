/**
 * The one zustand store. Components read it; only the controller (src/app) writes it,
 * through the small set of actions below, so data keeps flowing one way.
 */
import { createStore } from 'zustand/vanilla';
import type { AdaptationState, BackendInfo, FileJob, ModelInfo, Playback, UtteranceResult } from '../results/types';
import type { CalibrationState } from '../embed/types';

export type { AdaptationState, BackendInfo, FileJob, FileStatus, ModelInfo } from '../results/types';

export type ModelPhase = 'idle' | 'loading' | 'ready' | 'error';

export interface LoadState {
  phase: ModelPhase;
  loaded: number;
  total: number;
  file: string | null;
  error: string | null;
}

export type MicPhase = 'off' | 'starting' | 'listening' | 'error';

export interface LiveState {
  mic: MicPhase;
  speech: boolean;
  /** Input RMS level 0..1 for the meter. */
  level: number;
  /** Provisional probabilities of the utterance in progress (null when none). */
  provisional: { labels: readonly string[]; probabilities: readonly number[]; durationS: number } | null;
  /** Utterances waiting for their final result. */
  pending: number;
}

export interface Notice {
  id: number;
  kind: 'info' | 'warning' | 'error';
  text: string;
  /** Optional action label shown as a button (e.g. "Retry"). */
  action?: string;
}

export interface AppState {
  model: ModelInfo | null;
  load: LoadState;
  backend: BackendInfo | null;
  /** Session statistics of a domain-normalised model; null for other models. */
  adaptation: AdaptationState | null;
  /** "Tune to my voice" of the loaded model; null when it cannot be tuned. */
  calibration: CalibrationState | null;
  live: LiveState;
  /** Last finished utterance (mic or file), shown large. */
  currentId: string | null;
  /** Utterance picked in the history or a file timeline for the attention view (null: the latest). */
  selectedId: string | null;
  /** All finished utterances by id; `order` lists them oldest first, capped. */
  results: Record<string, UtteranceResult>;
  order: string[];
  files: FileJob[];
  notices: Notice[];
  /** The utterance whose audio is playing (for the timeline's playhead), or null. */
  playing: Playback | null;
}

/** History is capped so a long session cannot grow memory without bound. */
export const HISTORY_LIMIT = 500;

export const initialState: AppState = {
  model: null,
  load: { phase: 'idle', loaded: 0, total: 0, file: null, error: null },
  backend: null,
  adaptation: null,
  calibration: null,
  live: { mic: 'off', speech: false, level: 0, provisional: null, pending: 0 },
  currentId: null,
  selectedId: null,
  results: {},
  order: [],
  files: [],
  notices: [],
  playing: null,
};

export function createAppStore() {
  return createStore<AppState>(() => ({ ...initialState }));
}

export type AppStore = ReturnType<typeof createAppStore>;

let noticeSeq = 0;

/** State transitions, kept pure (state in, partial state out) so they are unit-testable. */
export const transitions = {
  addResult(s: AppState, r: UtteranceResult): Partial<AppState> {
    const order = [...s.order, r.id];
    const results = { ...s.results, [r.id]: r };
    const kept = new Set(s.files.flatMap((f) => f.utteranceIds));
    // Drop the oldest beyond the cap; keep nothing the file timelines still show.
    while (order.length > HISTORY_LIMIT) {
      const old = order.shift()!;
      if (!kept.has(old)) delete results[old];
    }
    const selectedId = s.selectedId !== null && s.selectedId in results ? s.selectedId : null;
    return { results, order, currentId: r.id, selectedId };
  },
  select(s: AppState, id: string | null): Partial<AppState> {
    return { selectedId: id !== null && id in s.results ? id : null };
  },
  clearHistory(s: AppState): Partial<AppState> {
    return { results: {}, order: [], currentId: null, selectedId: null, files: s.files.filter((f) => f.status !== 'done' && f.status !== 'error') };
  },
  notify(s: AppState, kind: Notice['kind'], text: string, action?: string): Partial<AppState> {
    const notice: Notice = { id: ++noticeSeq, kind, text, action };
    return { notices: [...s.notices.slice(-4), notice] };
  },
  dismiss(s: AppState, id: number): Partial<AppState> {
    return { notices: s.notices.filter((n) => n.id !== id) };
  },
  updateFile(s: AppState, id: string, patch: Partial<FileJob>): Partial<AppState> {
    return { files: s.files.map((f) => (f.id === id ? { ...f, ...patch } : f)) };
  },
};
