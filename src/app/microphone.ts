/**
 * The microphone input's lifecycle: one state machine for start, stop and dispose.
 *
 *     idle -> starting -> listening -> stopping -> idle      (disposed: terminal, from any state)
 *
 * Starting awaits a VAD worker and getUserMedia (seconds, or a permission prompt). A stop()
 * or dispose() during that time cancels the start: the state is `idle` (or `disposed`) at
 * once, and whatever the cancelled start still creates — the microphone track, a VAD
 * worker — is released as soon as it arrives. Nothing is ever left listening.
 */
import type { VadEvent } from '../vad/events';
import { Emitter } from '../emitter';
import type { AppPorts, MicCapture, SegmenterPort } from './ports';

export type MicState = 'idle' | 'starting' | 'listening' | 'stopping' | 'disposed';

/** A notice for the user (the owner decides how to show it). */
export interface MicNotice {
  kind: 'info' | 'warning' | 'error';
  text: string;
}

export interface MicrophoneEvents {
  state: MicState;
  /** Segmenter events of the current listening session, in order. */
  vad: VadEvent;
  /** Input RMS level 0..1 (the loudest 32-ms frame since the last report), at most {@link LEVEL_HZ} times a second. */
  level: number;
  notice: MicNotice;
}

/** Level updates per second (a meter needs no more; each one re-renders). */
export const LEVEL_HZ = 10;
/** How long the browser may keep audio input suspended before listening stops. */
export const RESUME_GRACE_MS = 3000;

/** One start() in progress; `cancelled` is set by stop()/dispose(). */
interface Attempt {
  cancelled: boolean;
  done: Promise<void>;
}

export class Microphone {
  readonly events = new Emitter<MicrophoneEvents>();
  private current: MicState = 'idle';
  /** Kept between listening sessions (starting one costs an ORT load). */
  private segmenter: SegmenterPort | null = null;
  private capture: MicCapture | null = null;
  private attempt: Attempt | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly ports: Pick<AppPorts, 'createSegmenter' | 'startCapture'>) {}

  get state(): MicState {
    return this.current;
  }

  /**
   * Starts listening. Resolves once listening, or once a stop()/dispose() that cancelled
   * this start has released what it created. Rejects when the microphone or the VAD
   * cannot be started (the state is `idle` again), or after dispose().
   */
  start(): Promise<void> {
    switch (this.current) {
      case 'disposed':
        return Promise.reject(new Error('the microphone was disposed'));
      case 'starting':
        return this.attempt!.done;
      case 'listening':
        return Promise.resolve();
      case 'stopping':
        return this.stopping!.then(() => this.start());
      case 'idle': {
        const attempt: Attempt = { cancelled: false, done: Promise.resolve() };
        this.attempt = attempt;
        this.set('starting');
        attempt.done = this.run(attempt);
        return attempt.done;
      }
    }
  }

  /**
   * Stops listening: the track and audio graph are released, then the utterance in
   * progress is closed (and analysed). A pending start is cancelled. Resolves when the
   * microphone is released (for a cancelled start: at once; it cleans up when it settles).
   */
  stop(): Promise<void> {
    switch (this.current) {
      case 'starting':
        this.cancelAttempt();
        this.set('idle');
        return Promise.resolve();
      case 'listening':
        return this.finish(this.capture!, true);
      case 'stopping':
        return this.stopping!;
      default:
        return Promise.resolve();
    }
  }

  /** Releases everything, now or (for a pending start) as soon as it arrives. Idempotent. */
  dispose(): void {
    if (this.current === 'disposed') return;
    this.cancelAttempt();
    const capture = this.capture;
    this.capture = null;
    this.set('disposed');
    void capture?.stop().catch(() => undefined);
    this.segmenter?.release();
    this.segmenter = null;
    this.events.clear();
  }

  private async run(attempt: Attempt): Promise<void> {
    let created: SegmenterPort | null = null;
    let capture: MicCapture | null = null;
    try {
      const seg = this.segmenter ?? (created = await this.ports.createSegmenter((e) => this.onVad(attempt, e), (m) => this.onVadError(attempt, m)));
      if (attempt.cancelled) return;
      seg.reset(); // a new stream: positions restart at 0
      let lastLevel = Number.NEGATIVE_INFINITY;
      let loudest = 0;
      capture = await this.ports.startCapture({
        onFrame: (frame) => {
          if (!attempt.cancelled && this.capture === capture) seg.push(frame);
        },
        onLevel: (rms) => {
          const now = performance.now();
          // The loudest frame since the last report: a short syllable between reports still shows.
          loudest = Math.max(loudest, rms);
          if (this.capture !== capture || now - lastLevel < 1000 / LEVEL_HZ) return;
          lastLevel = now;
          this.events.emit('level', loudest);
          loudest = 0;
        },
        onEnded: (reason) => {
          if (this.capture !== capture) return;
          const why = reason === 'device-ended' ? 'the device was disconnected or access was revoked' : reason === 'context-closed' ? 'the browser closed audio input' : reason;
          this.notice('warning', `The microphone stopped (${why}). The utterance in progress was kept.`);
          void this.finish(capture!, false);
        },
        onStateChange: (state) => {
          if (state === 'suspended' && capture && this.capture === capture) this.onSuspended(capture);
        },
      });
      if (attempt.cancelled) return;
      this.segmenter = seg;
      created = null; // kept: released by dispose()
      this.capture = capture;
      this.attempt = null;
      this.set('listening');
    } catch (e) {
      if (attempt.cancelled) return; // nobody waits for this start any more
      // The VAD worker is fine (the microphone failed): keep it for the next start.
      if (created && this.segmenter) created.release();
      else if (created) this.segmenter = created;
      created = null;
      this.attempt = null;
      this.set('idle');
      throw e;
    } finally {
      // A cancelled start releases everything it created.
      if (attempt.cancelled) {
        await capture?.stop().catch(() => undefined);
        created?.release();
      }
    }
  }

  private cancelAttempt(): void {
    if (!this.attempt) return;
    this.attempt.cancelled = true;
    this.attempt = null;
  }

  /** listening -> stopping -> idle. `released` is false when the capture already stopped itself. */
  private finish(capture: MicCapture, release: boolean): Promise<void> {
    this.capture = null;
    this.set('stopping');
    this.stopping = (async () => {
      if (release) await capture.stop().catch(() => undefined);
      // End of input closes (and analyses) the utterance in progress.
      this.segmenter?.flush().catch((e: unknown) => this.notice('error', `Speech detection failed: ${e instanceof Error ? e.message : String(e)}`));
      this.stopping = null;
      if (this.current === 'stopping') this.set('idle');
    })();
    return this.stopping;
  }

  /**
   * The browser may suspend a running AudioContext (autoplay policy, an OS audio
   * interruption): no frames arrive, yet the state would still say listening. Resume it;
   * if the browser refuses, say so and stop, so the state shown stays true.
   */
  private onSuspended(capture: MicCapture): void {
    if (!capture.resume) return;
    capture.resume().then(
      () => {
        if (this.capture === capture) this.notice('info', 'The browser paused audio input; listening resumed.');
      },
      () => undefined,
    );
    setTimeout(() => {
      if (this.capture !== capture || capture.state !== 'suspended') return;
      this.notice('error', 'The browser paused audio input and did not let it resume. Press Listen to start again.');
      void this.finish(capture, true);
    }, RESUME_GRACE_MS);
  }

  private onVad(attempt: Attempt, e: VadEvent): void {
    if (!attempt.cancelled && this.current !== 'disposed') this.events.emit('vad', e);
  }

  private onVadError(attempt: Attempt, message: string): void {
    if (!attempt.cancelled && this.current !== 'disposed') this.notice('error', `Speech detection failed: ${message}`);
  }

  private notice(kind: MicNotice['kind'], text: string): void {
    this.events.emit('notice', { kind, text });
  }

  private set(state: MicState): void {
    if (this.current === state) return;
    this.current = state;
    this.events.emit('state', state);
  }
}
