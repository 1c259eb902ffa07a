/**
 * Fake audio ports for driving the microphone lifecycle and the recognizer without a
 * browser: every slow step (VAD worker start, getUserMedia, file decoding) resolves only
 * when the test says so, and every resource records whether it was released.
 */
import type { VadEvent } from '../../../src/vad/events';
import type { AppPorts, InferencePort, MicCapture, OpenedFile, SegmenterPort } from '../../../src/app/ports';
import { Emitter } from '../../../src/emitter';
import { binAttention, type AttentionCurve } from '../../../src/model/attention';
import type { BackendChoice, BackendPreference, ClassifyResult, InferenceClientEvents, LoadProgress, RequestKind } from '../../../src/model';

/** A promise the test resolves or rejects by hand. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

type CaptureHandlers = Parameters<AppPorts['startCapture']>[0];

export class FakeSegmenter implements SegmenterPort {
  released = false;
  pushed = 0;
  flushes = 0;
  resets = 0;
  constructor(
    readonly onEvent: (e: VadEvent) => void,
    readonly onError: (message: string) => void,
    /** Events emitted while a file is pushed (one list per pushFile call, shared by all segmenters). */
    private readonly fileScript: VadEvent[][] = [],
  ) {}
  push(): void {
    if (this.released) throw new Error('Segmenter used after release()');
    this.pushed++;
  }
  async pushFile(chunks: AsyncIterable<Float32Array>, onProgress?: (seconds: number) => void): Promise<void> {
    if (this.released) throw new Error('Segmenter used after release()');
    for await (const c of chunks) onProgress?.(c.length / 16000);
    for (const e of this.fileScript.shift() ?? []) {
      if (this.released) throw new Error('Segmenter released');
      this.onEvent(e);
      await Promise.resolve();
    }
  }
  async flush(): Promise<void> {
    if (this.released) throw new Error('Segmenter used after release()');
    this.flushes++;
  }
  reset(): void {
    this.resets++;
  }
  release(): void {
    this.released = true;
  }
}

/** A microphone capture: `live` until its stop() is called (like a MediaStreamTrack's readyState). */
export class FakeCapture implements MicCapture {
  live = true;
  state: AudioContextState = 'running';
  constructor(readonly handlers: CaptureHandlers) {}
  async stop(): Promise<void> {
    this.live = false;
  }
  async resume(): Promise<void> {
    this.state = 'running';
  }
}

/**
 * A loaded model: answers each classify() with fixed probabilities (or when the test says so).
 * With `domain`, it keeps running statistics like the worker: final results add one
 * utterance, a new epoch (resetAdaptation) starts again at the first request made after it.
 */
export class FakeInference implements InferencePort {
  readonly manifest: InferencePort['manifest'];
  readonly events = new Emitter<InferenceClientEvents>();
  disposed = false;
  /** Audio lengths of every classify() call, with its kind. */
  readonly calls: { kind: RequestKind; samples: number }[] = [];
  /** When set, classify() waits for the test to resolve each call. */
  hold: Deferred<void>[] | null = null;
  backend: BackendChoice = { backend: 'wasm', reason: 'forced', variant: 'fp32', threads: 1 };
  /** Errors the next classify() calls reject with, in order. */
  readonly failures: Error[] = [];
  adaptationEpoch = 0;
  /** The worker side of the statistics: utterances added in `heardEpoch`. */
  private heard = 0;
  private heardEpoch = 0;
  constructor(
    readonly manifestUrl: string,
    domain = false,
    /** A CorrAP-like head: final results carry an attention curve (one 20-ms frame per 320 samples, peak in the middle). */
    private readonly attention = false,
    /** Manifest fields added as they are (e.g. `evaluation` with `uncertain_below`). */
    extra: Partial<InferencePort['manifest']> = {},
  ) {
    const base = { name: 'fake', version: '1', labels: ['anger', 'neutral'], model_card: 'card.md', licence: 'MIT', ...extra };
    const withHead = attention ? { ...base, head: { attention: { output: 'attention' } } } : base;
    this.manifest = domain ? { ...withHead, domain_normalization: { type: 'session_running' } } : withHead;
  }
  async classify(audio: Float32Array, kind: RequestKind): Promise<ClassifyResult> {
    if (this.disposed) throw new Error('the inference client was disposed');
    const epoch = this.adaptationEpoch;
    this.calls.push({ kind, samples: audio.length });
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (this.hold) {
      const d = deferred<void>();
      this.hold.push(d);
      await d.promise;
    }
    if (this.disposed) throw new Error('the inference client was disposed');
    const result: ClassifyResult = { probabilities: Float32Array.from([0.7, 0.3]), labels: this.manifest.labels, inferenceMs: 1, backend: 'wasm' };
    if (this.attention) result.attention = peakedAttention(Math.max(1, Math.floor(audio.length / 320)));
    if (!this.manifest.domain_normalization) return result;
    if (epoch !== this.heardEpoch) [this.heard, this.heardEpoch] = [0, epoch];
    const utterances = this.heard + 1;
    if (kind === 'final') this.heard++;
    return { ...result, adaptation: { utterances, epoch } };
  }
  resetAdaptation(): void {
    this.adaptationEpoch++;
  }
  on<K extends keyof InferenceClientEvents>(event: K, cb: (payload: InferenceClientEvents[K]) => void): () => void {
    return this.events.on(event, cb);
  }
  dispose(): void {
    this.disposed = true;
  }
}

/**
 * Ports whose segmenter creation and capture start wait for the test (`autoResolve: false`)
 * or resolve on the next tick (default).
 */
export class FakePorts implements AppPorts {
  readonly segmenters: FakeSegmenter[] = [];
  readonly captures: FakeCapture[] = [];
  readonly pendingSegmenters: Deferred<void>[] = [];
  readonly pendingCaptures: Deferred<void>[] = [];
  captureError: Error | null = null;
  readonly models: FakeInference[] = [];
  /** What the VAD finds in each file pushed, in order. */
  readonly fileScripts: VadEvent[][] = [];
  readonly pendingModels: Deferred<void>[] = [];
  modelError: Error | null = null;
  /** `autoResolve: false` holds VAD starts and captures; `holdModel` holds model loads; `domain`: models with domain normalisation. */
  constructor(
    private readonly opts: { autoResolve?: boolean; holdModel?: boolean; domain?: boolean; attention?: boolean; manifest?: Partial<InferencePort['manifest']> } = {},
  ) {}

  private gate(list: Deferred<void>[], hold = this.opts.autoResolve === false): Promise<void> {
    if (!hold) return Promise.resolve();
    const d = deferred<void>();
    list.push(d);
    return d.promise;
  }

  async createSegmenter(onEvent: (e: VadEvent) => void, onError: (m: string) => void): Promise<SegmenterPort> {
    await this.gate(this.pendingSegmenters);
    const s = new FakeSegmenter(onEvent, onError, this.fileScripts);
    this.segmenters.push(s);
    return s;
  }

  async startCapture(handlers: CaptureHandlers): Promise<MicCapture> {
    await this.gate(this.pendingCaptures);
    if (this.captureError) throw this.captureError;
    const c = new FakeCapture(handlers);
    this.captures.push(c);
    return c;
  }

  async loadModel(opts: { manifestUrl: string; backend: BackendPreference; onProgress(e: LoadProgress): void }): Promise<InferencePort> {
    opts.onProgress({ status: 'progress', file: `${opts.manifestUrl}/head.onnx`, loaded: 5, total: 10, progress: 50, overallLoaded: 5, overallTotal: 10 });
    await this.gate(this.pendingModels, this.opts.holdModel === true);
    if (this.modelError) throw this.modelError;
    const m = new FakeInference(opts.manifestUrl, this.opts.domain === true, this.opts.attention === true, this.opts.manifest);
    this.models.push(m);
    return m;
  }

  async openFile(file: File): Promise<OpenedFile> {
    const samples = Math.round((file.size / 4) | 0);
    async function* chunks() {
      yield new Float32Array(samples);
    }
    return { durationS: samples / 16000, chunks: chunks(), warning: null };
  }

  /** Captures still holding the microphone. */
  get liveCaptures(): number {
    return this.captures.filter((c) => c.live).length;
  }

  /** Segmenters (VAD workers) not released. */
  get liveSegmenters(): number {
    return this.segmenters.filter((s) => !s.released).length;
  }
}

/** Attention over `frames` 20-ms frames with most weight in the middle fifth, binned like the worker. */
export function peakedAttention(frames: number): AttentionCurve {
  const w = Array.from({ length: frames }, (_, t) => (Math.abs(t - frames / 2) < frames / 10 ? 10 : 1));
  const total = w.reduce((a, b) => a + b, 0);
  return binAttention(w.map((x) => x / total), 0.02);
}

/** Lets pending promise callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}
