/**
 * Fake audio ports for driving the microphone lifecycle and the recognizer without a
 * browser: every slow step (VAD worker start, getUserMedia, file decoding) resolves only
 * when the test says so, and every resource records whether it was released.
 */
import type { VadEvent } from '../../../src/vad/events';
import type { AppPorts, MicCapture, OpenedFile, SegmenterPort } from '../../../src/app/ports';

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
  /** Events emitted while a file is pushed (one list per pushFile call, in order). */
  fileScript: VadEvent[][] = [];
  constructor(
    readonly onEvent: (e: VadEvent) => void,
    readonly onError: (message: string) => void,
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
 * Ports whose segmenter creation and capture start wait for the test (`autoResolve: false`)
 * or resolve on the next tick (default).
 */
export class FakePorts implements AppPorts {
  readonly segmenters: FakeSegmenter[] = [];
  readonly captures: FakeCapture[] = [];
  readonly pendingSegmenters: Deferred<void>[] = [];
  readonly pendingCaptures: Deferred<void>[] = [];
  captureError: Error | null = null;
  constructor(private readonly opts: { autoResolve?: boolean } = {}) {}

  private gate(list: Deferred<void>[]): Promise<void> {
    if (this.opts.autoResolve !== false) return Promise.resolve();
    const d = deferred<void>();
    list.push(d);
    return d.promise;
  }

  async createSegmenter(onEvent: (e: VadEvent) => void, onError: (m: string) => void): Promise<SegmenterPort> {
    await this.gate(this.pendingSegmenters);
    const s = new FakeSegmenter(onEvent, onError);
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

/** Lets pending promise callbacks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}
