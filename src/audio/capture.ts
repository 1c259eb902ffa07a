/**
 * Microphone capture: getUserMedia (raw audio: no echo cancellation, noise suppression or
 * gain control, which would distort the prosody emotion lives in) -> AudioWorklet ->
 * 16 kHz mono 512-sample frames and a level meter on the main thread.
 */
import workletUrl from './capture.worklet.ts?worker&url';
import { CAPTURE_PROCESSOR, type CaptureFrameMessage, type CaptureStopMessage } from './capture-protocol';

/** Why the microphone could not be started. */
export type CaptureErrorCode =
  /** The user or a policy refused microphone access (NotAllowedError / SecurityError). */
  | 'permission-denied'
  /** No audio input device (NotFoundError / OverconstrainedError). */
  | 'no-microphone'
  /** The device exists but cannot be opened, e.g. in use elsewhere (NotReadableError / AbortError). */
  | 'microphone-busy'
  /** The page is not a secure context or the browser lacks getUserMedia / AudioWorklet. */
  | 'unsupported'
  | 'other';

/** Typed capture error; `message` is written for the user. */
export class CaptureError extends Error {
  readonly code: CaptureErrorCode;
  constructor(code: CaptureErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaptureError';
    this.code = code;
  }
}

/** Callbacks and choices for {@link startCapture}. */
export interface CaptureOptions {
  /** One 512-sample 16 kHz mono frame (owned by the callee: transfer it or keep it). */
  onFrame(frame: Float32Array): void;
  /** Input level over the last frame (linear RMS and peak of the mono input, 0..1), ~31 times a second. */
  onLevel(rms: number, peak: number): void;
  /**
   * Capture ended without `stop()`: `'device-ended'` when the microphone track ended
   * (device unplugged, permission revoked) or `'context-closed'`. Resources are already released.
   */
  onEnded(reason: string): void;
  /** AudioContext state changes ('suspended' needs a user gesture and {@link Capture.resume}). */
  onStateChange?(state: AudioContextState): void;
  /** A specific input device. */
  deviceId?: string;
}

/** A running capture. */
export interface Capture {
  /** Current AudioContext state. */
  readonly state: AudioContextState;
  /** Resumes a suspended AudioContext; call it from a user gesture (autoplay policy). */
  resume(): Promise<void>;
  /** Stops the tracks, the worklet and the context. Idempotent. */
  stop(): Promise<void>;
}

function mapMediaError(err: unknown): CaptureError {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError':
      return new CaptureError('permission-denied', 'Microphone access was denied. Allow the microphone for this page in the browser settings and try again.', { cause: err });
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return new CaptureError('no-microphone', 'No microphone was found. Connect one and try again.', { cause: err });
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return new CaptureError('microphone-busy', 'The microphone could not be opened; another application may be using it.', { cause: err });
    default:
      return new CaptureError('other', `The microphone could not be started: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Starts capturing. Call it from a user gesture (click) so the AudioContext may start:
 * the context is created before the first `await`.
 * @throws CaptureError
 */
export async function startCapture(opts: CaptureOptions): Promise<Capture> {
  if (typeof AudioContext === 'undefined' || typeof AudioWorkletNode === 'undefined') {
    throw new CaptureError('unsupported', 'This browser has no AudioWorklet support.');
  }
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new CaptureError('unsupported', 'Microphone access needs a secure page (https or localhost) and a browser with getUserMedia.');
  }
  // Created synchronously, inside the user gesture, so autoplay policy lets it run.
  const ctx = new AudioContext({ latencyHint: 'interactive' });
  const resumed = ctx.resume().catch(() => undefined);

  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
        channelCount: 1,
        ...(opts.deviceId ? { deviceId: { exact: opts.deviceId } } : {}),
      },
    });
  } catch (err) {
    await ctx.close().catch(() => undefined);
    throw mapMediaError(err);
  }

  let node: AudioWorkletNode;
  let source: MediaStreamAudioSourceNode;
  try {
    await ctx.audioWorklet.addModule(workletUrl);
    source = ctx.createMediaStreamSource(stream);
    node = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
  } catch (err) {
    for (const t of stream.getTracks()) t.stop();
    await ctx.close().catch(() => undefined);
    throw new CaptureError('unsupported', `The audio processor could not be loaded: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  let stopped = false;
  const track = stream.getAudioTracks()[0];

  const release = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    node.port.onmessage = null;
    node.port.postMessage({ type: 'stop' } satisfies CaptureStopMessage);
    track?.removeEventListener('ended', onTrackEnded);
    ctx.onstatechange = null;
    source.disconnect();
    node.disconnect();
    for (const t of stream.getTracks()) t.stop();
    await ctx.close().catch(() => undefined);
  };

  const onTrackEnded = () => {
    if (stopped) return;
    void release().then(() => opts.onEnded('device-ended'));
  };

  node.port.onmessage = (e: MessageEvent<CaptureFrameMessage>) => {
    if (stopped || e.data.type !== 'frame') return;
    opts.onLevel(e.data.rms, e.data.peak);
    opts.onFrame(e.data.samples);
  };
  track?.addEventListener('ended', onTrackEnded);
  ctx.onstatechange = () => {
    opts.onStateChange?.(ctx.state);
    if (ctx.state === 'closed' && !stopped) void release().then(() => opts.onEnded('context-closed'));
  };

  // The node outputs silence; connecting it to the destination keeps it pulled by the graph.
  source.connect(node);
  node.connect(ctx.destination);
  await resumed;

  return {
    get state() {
      return ctx.state;
    },
    async resume() {
      if (!stopped && ctx.state !== 'running') await ctx.resume();
    },
    stop: release,
  };
}
