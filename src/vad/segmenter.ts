/**
 * Main-thread handle on the VAD worker: push microphone frames or a whole file, receive
 * typed utterance events. The same worker, model and state machine serve both inputs.
 */
import { ASSET_PATHS, SAMPLE_RATE } from '../env';
import { Emitter } from '../emitter';
import type { VadEventOf, VadEventType } from './events';
import type { FrameProcessorOptions } from './frame-processor';
import type { SegmenterRequest, SegmenterResponse } from './protocol';

/** Options for {@link Segmenter.create}. URLs may be relative to the page. */
export interface SegmenterConfig {
  /** Silero VAD v5 model; default `vendor/vad/silero_vad_v5.onnx`. */
  modelUrl?: string;
  /** Folder with onnxruntime-web's `ort-wasm-simd-threaded.*` files; default `vendor/ort/`. */
  wasmPaths?: string;
  /** Frame-processor options (defaults: DEFAULT_FRAME_PROCESSOR_OPTIONS). */
  options?: Partial<FrameProcessorOptions>;
  /**
   * WASM threads for the VAD session; default 1. The model is tiny (about 2 ms per 32 ms
   * frame on one core): threads add start-up cost and take cores from the emotion model.
   */
  numThreads?: number;
  /** Creates the worker (tests run the worker core in-process); default: src/worker-entry.ts as "vad". */
  createWorker?: () => WorkerLike;
}

/** The part of `Worker` the segmenter uses (a real Worker fits). */
export interface WorkerLike {
  postMessage(msg: SegmenterRequest, transfer: Transferable[]): void;
  terminate(): void;
  onmessage: ((e: MessageEvent<SegmenterResponse>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

function defaultWorker(): WorkerLike {
  return new Worker(new URL('../worker-entry.ts', import.meta.url), { type: 'module', name: 'vad' });
}

/** A worker failure; `fatal` means the segmenter must be recreated. */
export interface SegmenterErrorEvent {
  type: 'error';
  message: string;
  fatal: boolean;
}

/** Event names {@link Segmenter.on} accepts. */
export type SegmenterEventType = VadEventType | 'error';

/** Payload type for an event name. */
export type SegmenterEventOf<T extends SegmenterEventType> = T extends VadEventType ? VadEventOf<T> : SegmenterErrorEvent;

/** Event name -> payload. */
type SegmenterEvents = { [T in SegmenterEventType]: SegmenterEventOf<T> };

/** Chunks in flight to the worker while segmenting a file (bounds memory for long files). */
export const FILE_WINDOW = 4;

/** Runs Silero VAD + the frame processor in a Web Worker. */
export class Segmenter {
  /** The resolved frame-processor options the worker uses. */
  readonly options: FrameProcessorOptions;
  private readonly worker: WorkerLike;
  private readonly events = new Emitter<SegmenterEvents>();
  private readonly waiters = new Map<string, (position: number) => void>();
  private readonly rejecters = new Map<string, (err: Error) => void>();
  private nextId = 1;
  private fileActive = false;
  private released = false;

  private constructor(worker: WorkerLike, options: FrameProcessorOptions) {
    this.worker = worker;
    this.options = options;
    worker.onmessage = (e: MessageEvent<SegmenterResponse>) => this.dispatch(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.fail(`VAD worker crashed: ${e.message || 'unknown error'}`);
    };
  }

  /**
   * Starts the worker, loads ORT and the model, and warms it up.
   * @throws Error when the worker, ORT or the model fails to load
   */
  static async create(config: SegmenterConfig = {}): Promise<Segmenter> {
    const base = typeof document !== 'undefined' ? document.baseURI : globalThis.location?.href;
    const worker = (config.createWorker ?? defaultWorker)();
    const init: SegmenterRequest = {
      type: 'init',
      modelUrl: new URL(config.modelUrl ?? `vendor/${ASSET_PATHS.vadModel}`, base).href,
      wasmPaths: new URL(config.wasmPaths ?? `vendor/${ASSET_PATHS.ort}`, base).href,
      numThreads: config.numThreads ?? 1,
      options: config.options ?? {},
    };
    const options = await new Promise<FrameProcessorOptions>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<SegmenterResponse>) => {
        if (e.data.type === 'ready') resolve(e.data.options);
        else if (e.data.type === 'error') reject(new Error(`VAD failed to load: ${e.data.message}`));
      };
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        reject(new Error(`VAD worker failed to start: ${e.message || 'script error'}`));
      };
      worker.postMessage(init, []);
    }).catch((err: unknown) => {
      worker.terminate();
      throw err;
    });
    return new Segmenter(worker, options);
  }

  /**
   * Subscribes to an event; returns the unsubscribe function.
   * Utterance and partial audio arrive as owned Float32Arrays (16 kHz mono).
   */
  on<T extends SegmenterEventType>(type: T, cb: (event: SegmenterEventOf<T>) => void): () => void {
    return this.events.on(type, cb);
  }

  /**
   * Pushes live 16 kHz mono samples (any length; 512-sample microphone frames are typical).
   * The buffer is transferred: `samples` is unusable afterwards.
   */
  push(samples: Float32Array): void {
    if (this.fileActive) throw new Error('Segmenter is busy with a file');
    this.post({ type: 'push', samples }, [samples.buffer]);
  }

  /**
   * Segments a whole file, faster than real time, as a fresh stream (positions start at 0);
   * the last utterance is closed at the end. Resolves once every event has been delivered.
   * At most a few chunks are in flight, so memory stays bounded for long files.
   * @param chunks - 16 kHz mono chunks (e.g. from `decodeAudioFile`); transferred
   * @param onProgress - seconds of audio segmented so far
   */
  async pushFile(chunks: AsyncIterable<Float32Array>, onProgress?: (seconds: number) => void): Promise<void> {
    if (this.fileActive) throw new Error('Segmenter is busy with another file');
    this.fileActive = true;
    try {
      this.post({ type: 'reset' });
      const report = (position: number) => onProgress?.(position / SAMPLE_RATE);
      const inFlight: Promise<number>[] = [];
      for await (const chunk of chunks) {
        const id = this.nextId++;
        inFlight.push(this.waitFor(`ack:${id}`));
        this.post({ type: 'push', samples: chunk, ack: id }, [chunk.buffer]);
        // (Awaited outside `onProgress?.()`: optional-call arguments are not evaluated when it is absent.)
        if (inFlight.length >= FILE_WINDOW) report(await inFlight.shift()!);
      }
      for (const p of inFlight) report(await p);
      report(await this.flushInternal());
    } finally {
      this.fileActive = false;
    }
  }

  /** End of input: closes the open utterance (its event arrives before this resolves). */
  async flush(): Promise<void> {
    await this.flushInternal();
  }

  /** Starts a new stream: drops the open utterance, positions restart at 0. */
  reset(): void {
    this.post({ type: 'reset' });
  }

  /** Frees the model and ends the worker. */
  release(): void {
    if (this.released) return;
    this.post({ type: 'release' });
    this.released = true;
    // The worker closes itself after releasing the session; terminate as a backstop.
    setTimeout(() => this.worker.terminate(), 1000);
    this.rejectWaiters();
  }

  private flushInternal(): Promise<number> {
    const id = this.nextId++;
    const done = this.waitFor(`flushed:${id}`);
    this.post({ type: 'flush', id });
    return done;
  }

  private waitFor(key: string): Promise<number> {
    const p = new Promise<number>((resolve, reject) => {
      this.waiters.set(key, resolve);
      this.rejecters.set(key, reject);
    });
    p.catch(() => undefined); // awaited later; avoid a transient unhandled rejection
    return p;
  }

  private post(msg: SegmenterRequest, transfer: Transferable[] = []): void {
    if (this.released) throw new Error('Segmenter used after release()');
    this.worker.postMessage(msg, transfer);
  }

  private dispatch(msg: SegmenterResponse): void {
    switch (msg.type) {
      case 'event':
        this.emit(msg.event.type, msg.event);
        break;
      case 'ack':
      case 'flushed': {
        const key = `${msg.type}:${msg.id}`;
        this.waiters.get(key)?.(msg.position);
        this.waiters.delete(key);
        this.rejecters.delete(key);
        break;
      }
      case 'error':
        // A failed push/flush never acks: fail whatever waits on one.
        this.rejectWaiters(msg.message);
        this.emit('error', { type: 'error', message: msg.message, fatal: msg.fatal });
        break;
      case 'ready':
        break;
    }
  }

  private fail(message: string): void {
    this.released = true;
    this.worker.terminate();
    this.rejectWaiters(message);
    this.emit('error', { type: 'error', message, fatal: true });
  }

  private rejectWaiters(message = 'Segmenter released'): void {
    for (const reject of this.rejecters.values()) reject(new Error(message));
    this.waiters.clear();
    this.rejecters.clear();
  }

  private emit(type: SegmenterEventType, event: SegmenterEvents[SegmenterEventType]): void {
    this.events.emit(type, event);
  }
}
