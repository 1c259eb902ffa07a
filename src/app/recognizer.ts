/**
 * The headless recognizer: owns the model (inference port), the microphone lifecycle, the
 * file queue and the audio bank, and reports everything as one typed event map. The
 * React app (src/app/controller.ts: events -> store) and the embed (src/embed: this object
 * is the public JS API) are two thin drivers of it; unit tests drive it through fake ports.
 */
import { SAMPLE_RATE } from '../env';
import { Emitter } from '../emitter';
import { describeError, type BackendChoice, type BackendPreference } from '../model';
import { summariseModel } from '../results/model-summary';
import { isUncertain } from '../results/uncertain';
import type { AdaptationState, BackendInfo, FileJob, ModelInfo, Playback, UtteranceResult } from '../results/types';
import type { VadEvent } from '../vad/events';
import type {
  BackendEvent,
  ProvisionalEvent,
  Recognizer as PublicRecognizer,
  RecognizerEventMap,
  UtteranceEvent,
} from '../embed/types';
import { RecognizerError, parseAudioBlob } from '../embed/validate';
import { AudioBank } from './audio-bank';
import { FileQueue } from './file-queue';
import { Microphone, type MicState } from './microphone';
import { StartTracker } from './utterance-starts';
import { defaultVoiceStore } from '../calibration/storage';
import { VoiceTuner } from '../calibration/tuner';
import { VoiceFileError } from '../calibration/voice-file';
import type { CalibrationState, RecognizerCalibration } from '../embed/types';
import type { AppPorts, InferencePort } from './ports';

export type { MicState } from './microphone';
export type { AdaptationState, BackendInfo, ModelInfo };
export { RecognizerError };

/** A notice for the user; `action: 'Retry'` offers to reload the model. */
export interface RecognizerNotice {
  kind: 'info' | 'warning' | 'error';
  text: string;
  action?: 'Retry';
}

/**
 * Every event, by name. The first five are the public embed events (same payloads as
 * src/embed/types.ts); the rest drive the app's view.
 */
export interface RecognizerEvents extends RecognizerEventMap {
  'load-start': { manifestUrl: string };
  'load-progress': { loaded: number; total: number; file: string };
  'model-ready': { model: ModelInfo; backend: BackendInfo };
  'backend-changed': BackendInfo;
  mic: MicState;
  /** Input RMS level 0..1 (about 10 a second while listening). */
  level: number;
  /** The VAD hears speech (from its first frame, before it counts as an utterance). */
  speech: boolean;
  /** Microphone utterances waiting for their final result. */
  pending: number;
  /** A finished utterance as stored (the public `utterance` event follows it). */
  result: UtteranceResult;
  /** A file job changed (queued, decoding, progress, done, error). */
  file: FileJob;
  notice: RecognizerNotice;
  /** An utterance's audio started playing (null: playback ended). */
  playback: Playback | null;
  /** Session statistics of a domain-normalised model changed (null: the model has none, or none is loaded). */
  adaptation: AdaptationState | null;
  /** "Tune to my voice" is available (state) or not (null: the model cannot be tuned, or none is loaded). */
  'calibration-available': CalibrationState | null;
}

/** Any event as a discriminated union (for a single switch over all of them). */
export type RecognizerEvent = { [K in keyof RecognizerEvents]: { type: K; detail: RecognizerEvents[K] } }[keyof RecognizerEvents];

export interface RecognizerConfig {
  manifestUrl: string;
  backend: BackendPreference;
  /** Utterances whose audio is kept for playback (the history's size). */
  historyLimit: number;
}

/** Most probable label. */
export function topLabel(labels: readonly string[], p: readonly number[]): string {
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
    label: topLabel(r.labels, r.probabilities),
    labels: [...r.labels],
    probabilities: [...r.probabilities],
    startS: r.startS,
    endS: r.endS,
    backend: r.backend,
    inferenceMs: r.inferenceMs,
    uncertain: r.uncertain === true,
    ...(r.adaptedOn !== undefined ? { adaptedOn: r.adaptedOn } : {}),
    ...(r.attention ? { attention: { ...r.attention, weights: [...r.attention.weights] } } : {}),
    ...(r.untunedProbabilities ? { untunedProbabilities: [...r.untunedProbabilities] } : {}),
  };
}


export class Recognizer implements PublicRecognizer {
  private readonly events = new Emitter<RecognizerEvents>();
  private readonly mic: Microphone;
  private readonly bank: AudioBank;
  private client: InferencePort | null = null;
  private loadSeq = 0;
  private manifestUrl: string;
  private current: BackendEvent | null = null;
  private adapted: AdaptationState | null = null;
  private disposed = false;
  /** Utterance ids u1, u2, …; file jobs count apart (f1, …) so the first utterance is u1. */
  private seq = 0;
  private fileSeq = 0;
  // Microphone stream state.
  private speaking = false;
  private pendingCount = 0;
  private readonly micStarts: StartTracker;
  private readonly files: FileQueue;
  private tuner: VoiceTuner | null = null;
  private calibrationApi: RecognizerCalibration | null = null;

  constructor(
    private readonly config: RecognizerConfig,
    private readonly ports: AppPorts,
  ) {
    this.manifestUrl = config.manifestUrl;
    this.bank = new AudioBank(config.historyLimit);
    this.bank.onPlayback = (p) => this.events.emit('playback', p);
    this.mic = new Microphone(ports);
    this.micStarts = new StartTracker((t, e) => this.events.emit(t, e), () => ({ source: 'mic' }));
    this.files = new FileQueue(ports, {
      classify: (audio, meta) => this.classify(audio, meta),
      job: (job) => this.events.emit('file', job),
      start: (type, e) => this.events.emit(type, e),
      error: (message) => this.events.emit('error', { code: 'file', message }),
    });
    this.mic.events.on('state', (s) => this.onMicState(s));
    this.mic.events.on('level', (rms) => this.events.emit('level', rms));
    this.mic.events.on('vad', (e) => this.onMicVad(e));
    this.mic.events.on('notice', (n) => this.notify(n.kind, n.text, 'microphone'));
  }

  // ---- public API (src/embed/types.ts Recognizer) ----

  /** Class names of the loaded model ([] before it is ready). */
  get labels(): readonly string[] {
    return this.client?.manifest.labels ?? [];
  }

  /** Current backend (null before the model is ready). */
  get backend(): BackendEvent | null {
    return this.current;
  }

  /** Microphone lifecycle state. */
  get micState(): MicState {
    return this.mic.state;
  }

  /**
   * Utterances the session statistics of a domain-normalised model have adapted on; null for
   * other models. One estimate per recognizer: microphone and files feed it in the order
   * their utterances are analysed; it restarts with a new model and on {@link resetAdaptation}.
   */
  get adaptation(): AdaptationState | null {
    return this.adapted;
  }

  /**
   * Starts the session statistics again from the model's training statistics: the next
   * utterance is normalised as the first one was. Utterances already being analysed keep
   * the old estimate. No-op for models without domain normalisation.
   */
  resetAdaptation(): void {
    const c = this.client;
    if (this.disposed || !c || !this.adapted) return;
    c.resetAdaptation();
    this.setAdaptation({ utterances: 0 });
  }

  /** "Tune to my voice" for the loaded model; null when it cannot be tuned (or none is loaded). */
  get calibration(): RecognizerCalibration | null {
    return this.calibrationApi;
  }

  /** True once a model is loaded and usable. */
  get ready(): boolean {
    return this.client !== null;
  }

  on<K extends keyof RecognizerEvents>(type: K, cb: (e: RecognizerEvents[K]) => void): () => void {
    if (typeof cb !== 'function') throw new RecognizerError('invalid-option', `listener for "${String(type)}" must be a function`);
    return this.events.on(type, cb);
  }

  off<K extends keyof RecognizerEvents>(type: K, cb: (e: RecognizerEvents[K]) => void): void {
    this.events.off(type, cb);
  }

  /**
   * Loads the model (again, e.g. after a failure). Resolves when ready; rejects with
   * {@link RecognizerError} `model` (also reported as an `error` event).
   */
  load(): Promise<void> {
    if (this.disposed) return Promise.reject(new RecognizerError('model', 'the recognizer was disposed'));
    const seq = ++this.loadSeq;
    // Files in flight were being classified by the model going away.
    this.files.cancel('cancelled: model changed');
    this.client?.dispose();
    this.client = null;
    this.current = null;
    this.setAdaptation(null); // the statistics belonged to the model going away
    this.setTuner(null);
    this.events.emit('load-start', { manifestUrl: this.manifestUrl });
    const cancelled = () => new RecognizerError('model', this.disposed ? 'cancelled: the recognizer was disposed' : 'cancelled: model changed');
    const run = (async () => {
      let c: InferencePort;
      try {
        c = await this.ports.loadModel({
          manifestUrl: this.manifestUrl,
          backend: this.config.backend,
          onProgress: (e) => {
            if (seq === this.loadSeq && e.status === 'progress') {
              this.events.emit('load-progress', { loaded: e.overallLoaded, total: e.overallTotal, file: e.file.split('/').pop() ?? e.file });
            }
          },
        });
      } catch (e) {
        if (seq !== this.loadSeq || this.disposed) throw cancelled();
        const message = describeError(e);
        this.events.emit('error', { code: 'model', message });
        throw new RecognizerError('model', message);
      }
      if (seq !== this.loadSeq || this.disposed) {
        c.dispose(); // superseded or disposed while loading: the new worker must not outlive it
        throw cancelled();
      }
      this.attachClient(c);
    })();
    run.then(
      () => undefined,
      () => undefined,
    ); // callers that ignore the promise learn from events
    return run;
  }

  /**
   * Switches to another model: file analyses in flight reject with "cancelled: model
   * changed"; listening goes on (utterances wait for nothing: without a model they are
   * dropped until it is ready).
   */
  setModel(manifestUrl: string): Promise<void> {
    if (this.disposed) return Promise.reject(new RecognizerError('model', 'the recognizer was disposed'));
    this.manifestUrl = manifestUrl;
    return this.load();
  }

  /**
   * Starts the microphone (asks for permission). Resolves when listening, or once a stop()
   * or dispose() that cancelled it has released what it created; a failure is reported as
   * an `error` event (`microphone`) and resolves too, so a click handler need not catch.
   */
  async start(): Promise<void> {
    if (this.disposed) throw new RecognizerError('microphone', 'the recognizer was disposed');
    try {
      await this.mic.start();
    } catch (e) {
      if (this.disposed) return;
      this.notify('error', describeError(e), 'microphone');
    }
  }

  /** Stops the microphone (a pending start is cancelled); the utterance in progress is still analysed. */
  stop(): void {
    void this.mic.stop();
  }

  /** Queues a recording; resolves with its utterances, rejects with {@link RecognizerError} `file`. */
  analyse(raw: Blob, name?: string): Promise<UtteranceEvent[]> {
    return this.analyseFile(raw, name).then((rs) => rs.map(toUtteranceEvent));
  }

  /** Like {@link analyse}, with the stored results (the app keeps them). */
  analyseFile(input: Blob, name?: string): Promise<UtteranceResult[]> {
    if (this.disposed) return Promise.reject(new RecognizerError('file', 'cancelled: the recognizer was disposed'));
    let raw: Blob;
    try {
      raw = parseAudioBlob(input); // hosts may pass anything
    } catch (e) {
      return Promise.reject(e);
    }
    if (!this.client) return Promise.reject(new RecognizerError('model', 'the model is not loaded'));
    const fileName = typeof name === 'string' && name ? name : raw instanceof File ? raw.name : 'audio';
    const file = raw instanceof File && fileName === raw.name ? raw : new File([raw], fileName, { type: raw.type });
    return this.files.add(file, `f${++this.fileSeq}`);
  }

  /** Plays a kept utterance's audio, from `fromS` seconds into it. */
  play(id: string, fromS = 0): Promise<void> {
    return this.bank.play(id, fromS);
  }

  /** A kept utterance's 16 kHz audio (null once the bank has dropped it); do not modify it. */
  audio(id: string): Float32Array | null {
    return this.bank.get(id);
  }

  /** Forgets the audio of every utterance not in `ids` (the history was cleared or capped). */
  retainAudio(ids: ReadonlySet<string>): void {
    this.bank.retain(ids);
    this.tuner?.retain(ids); // a cleared row cannot be corrected: its features go too
  }

  /** Stops everything and frees workers and model memory; pending analyses reject with `reason`. */
  dispose(reason = 'cancelled: the recognizer was disposed'): void {
    if (this.disposed) return;
    this.disposed = true;
    this.loadSeq++;
    this.events.clear(); // nothing is reported after dispose
    this.files.dispose(reason);
    this.mic.dispose();
    this.client?.dispose();
    this.client = null;
    this.tuner?.dispose();
    this.tuner = null;
    this.bank.clear();
  }

  // ---- model ----

  private attachClient(c: InferencePort): void {
    this.client = c;
    const m = c.manifest;
    const model: ModelInfo = {
      name: m.name,
      version: m.version,
      labels: m.labels,
      cardUrl: m.model_card ? new URL(m.model_card, c.manifestUrl).href : null,
      manifestUrl: c.manifestUrl,
      summary: summariseModel(m),
      attention: m.head?.attention !== undefined,
      ...(m.evaluation?.uncertain_below !== undefined ? { uncertainBelow: m.evaluation.uncertain_below } : {}),
    };
    const choice = (b: BackendChoice, forced: boolean): BackendInfo => ({ backend: b.backend, reason: b.reason, variant: b.variant, forced });
    this.events.emit('model-ready', { model, backend: choice(c.backend, this.config.backend !== 'auto') });
    this.setBackend(c.backend);
    this.setAdaptation(m.domain_normalization ? { utterances: 0 } : null);
    this.setTuner(c);
    c.on('backend-changed', (b) => {
      if (this.client !== c) return;
      this.events.emit('backend-changed', choice(b, false));
      this.notify('warning', `Switched to ${b.backend === 'wasm' ? 'WASM' : 'WebGPU'}: ${b.reason}`, null);
      this.setBackend(b);
    });
    c.on('worker-restarted', (e) => {
      if (this.client === c) this.notify('warning', `The inference worker stopped and was restarted (${e.reason}).`, null);
    });
    c.on('error', (e) => {
      if (this.client === c) this.notify('error', `Inference failed: ${describeError(e)}`, 'inference', 'Retry');
    });
  }

  /** Builds the tuner for a model that declares head.pooled + calibration (and restores its stored profile). */
  private setTuner(c: InferencePort | null): void {
    this.tuner?.dispose();
    this.tuner = null;
    this.calibrationApi = null;
    const m = c?.manifest;
    const pooled = m?.head?.pooled;
    const recipe = m?.calibration;
    if (!c || !m || !pooled || !recipe || !c.fitCalibration || !c.setTuned) {
      this.events.emit('calibration-available', null);
      return;
    }
    const port = { fitCalibration: c.fitCalibration.bind(c), setTuned: c.setTuned.bind(c) };
    const model = {
      name: m.name,
      version: m.version,
      labels: m.labels,
      dim: pooled.dim,
      recipe: { method: recipe.method, l2: recipe.l2, steps: recipe.steps, lr: recipe.lr },
      minPerClass: recipe.min_per_class ?? 1,
    };
    const tuner = new VoiceTuner(model, port, this.ports.voiceStore ?? defaultVoiceStore(), (s) => {
      if (this.tuner === tuner) this.events.emit('calibration', s);
    });
    this.tuner = tuner;
    this.calibrationApi = calibrationApi(tuner);
    this.events.emit('calibration-available', tuner.state);
    void tuner.restore();
  }

  private setAdaptation(a: AdaptationState | null): void {
    if (this.adapted?.utterances === a?.utterances) return;
    this.adapted = a;
    this.events.emit('adaptation', a ? { ...a } : null);
  }

  private setBackend(b: BackendChoice): void {
    this.current = { backend: b.backend, variant: b.variant, reason: b.reason };
    this.events.emit('backend', { ...this.current });
  }

  /**
   * Classifies a finished utterance and reports it. The audio is handed over: the bank
   * keeps it for playback and the inference port copies what it sends to its worker.
   */
  private async classify(audio: Float32Array, meta: Pick<UtteranceResult, 'source' | 'fileName' | 'startS' | 'endS'>): Promise<UtteranceResult | null> {
    const c = this.client;
    if (!c) return null;
    let out: Awaited<ReturnType<InferencePort['classify']>>;
    try {
      out = await c.classify(audio, 'final');
    } catch (e) {
      if (this.disposed || this.client !== c) return null; // the model was replaced: not an error of this utterance
      throw e;
    }
    if (this.disposed || this.client !== c) return null;
    const tuned = out.tunedProbabilities;
    const probabilities = Array.from(tuned ?? out.probabilities);
    const r: UtteranceResult = {
      id: `u${++this.seq}`,
      ...meta,
      labels: out.labels,
      // Tuned to the user's voice: the tuned answer is the result, the shipped one rides along.
      probabilities,
      ...(tuned ? { untunedProbabilities: Array.from(out.probabilities) } : {}),
      at: Date.now(),
      backend: out.backend,
      inferenceMs: out.inferenceMs,
      model: `${c.manifest.name} ${c.manifest.version}`,
      ...(out.adaptation ? { adaptedOn: out.adaptation.utterances } : {}),
      ...(out.attention ? { attention: out.attention } : {}),
      uncertain: isUncertain(probabilities, c.manifest.evaluation?.uncertain_below),
    };
    // A result computed before a reset says nothing about the estimate since.
    if (out.adaptation && out.adaptation.epoch === c.adaptationEpoch) this.setAdaptation({ utterances: out.adaptation.utterances });
    this.bank.put(r.id, audio);
    // Before the events: a row is correctable as soon as it is shown.
    if (out.pooled) this.tuner?.observe(r.id, out.pooled, r.source);
    this.events.emit('result', r);
    this.events.emit('utterance', toUtteranceEvent(r));
    return r;
  }

  // ---- microphone ----

  private onMicState(s: MicState): void {
    if (s === 'starting') this.micStarts.reset();
    if (s !== 'listening' && s !== 'starting') this.setSpeaking(false);
    this.events.emit('mic', s);
  }

  private setSpeaking(on: boolean): void {
    if (this.speaking === on) return;
    this.speaking = on;
    this.events.emit('speech', on);
  }

  private setPending(delta: number): void {
    this.pendingCount = Math.max(0, this.pendingCount + delta);
    this.events.emit('pending', this.pendingCount);
  }

  private onMicVad(e: VadEvent): void {
    switch (e.type) {
      case 'speech-start':
        this.setSpeaking(true);
        break;
      case 'speech-real-start':
        this.micStarts.realStart(e.startSample);
        break;
      case 'misfire':
        this.setSpeaking(false);
        this.micStarts.misfire(e.startSample);
        break;
      case 'partial': {
        const c = this.client;
        if (!c) break;
        const startS = e.startSample / SAMPLE_RATE;
        const durationS = e.audio.length / SAMPLE_RATE;
        c.classify(e.audio, 'provisional').then(
          (out) => {
            // A final result may have arrived meanwhile: only show while speech goes on.
            if (!this.speaking || this.client !== c) return;
            const probabilities = Array.from(out.probabilities);
            const p: ProvisionalEvent = { label: topLabel(out.labels, probabilities), labels: [...out.labels], probabilities, startS, durationS };
            this.events.emit('provisional', p);
          },
          () => undefined, // superseded provisional requests are expected
        );
        break;
      }
      case 'utterance': {
        // The utterance ended (its provisional probabilities with it); a split at the
        // maximum length goes on speaking.
        this.setSpeaking(false);
        if (e.reason === 'max-length' && this.mic.state === 'listening') this.setSpeaking(true);
        this.micStarts.utterance(e.startSample);
        this.setPending(+1);
        this.classify(e.audio, { source: 'mic', startS: e.startSample / SAMPLE_RATE, endS: e.endSample / SAMPLE_RATE })
          .catch((err: unknown) => {
            if (!this.disposed) this.notify('error', `Could not analyse an utterance: ${describeError(err)}`, 'inference');
          })
          .finally(() => {
            if (!this.disposed) this.setPending(-1);
          });
        break;
      }
    }
  }

  // ---- notices ----

  /** Tells the user; errors also go to hosts as `error` events with `code`. */
  private notify(kind: RecognizerNotice['kind'], text: string, code: 'microphone' | 'inference' | null, action?: 'Retry'): void {
    this.events.emit('notice', { kind, text, ...(action ? { action } : {}) });
    if (kind === 'error' && code) this.events.emit('error', { code, message: text });
  }
}

/** The public face of a {@link VoiceTuner}: errors become {@link RecognizerError} `calibration`. */
function calibrationApi(t: VoiceTuner): RecognizerCalibration {
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw new RecognizerError('calibration', e instanceof Error ? e.message : String(e));
    }
  };
  return {
    get state() {
      return t.state;
    },
    arm: (label) => wrap(() => t.arm(label)),
    addExample: (id, label) => wrap(() => t.correct(id, label)),
    fit: () => t.fit(),
    get enabled() {
      return t.state.enabled;
    },
    set enabled(on: boolean) {
      t.setEnabled(on === true);
    },
    clear: () => t.forget(),
    export: () => t.export(),
    import: (text) =>
      t.import(typeof text === 'string' ? text : '').catch((e: unknown) => {
        throw new RecognizerError('calibration', e instanceof VoiceFileError || e instanceof Error ? e.message : String(e));
      }),
  };
}
