/**
 * Silero VAD v5 (ONNX, shipped in @ricky0123/vad-web) on onnxruntime-web.
 *
 * Model IO (checked at load): `input` float32 [1, 64 + 512], `state` float32 [2, 1, 128],
 * `sr` int64 scalar -> `output` float32 [1, 1] (speech probability), `stateN` [2, 1, 128].
 * As in @ricky0123/vad-web and silero-vad's `OnnxWrapper`, each 512-sample frame is
 * preceded by the last 64 samples of the previous frame (zeros after a reset).
 */
import type * as Ort from 'onnxruntime-web';
import { FRAME_SAMPLES, VAD_SAMPLE_RATE } from './events';

/** The onnxruntime-web module (`onnxruntime-web`, `/wasm`, ... share this type). */
export type OrtModule = typeof Ort;

/** A loaded Silero VAD. Calls to `process` must not overlap (the model is recurrent). */
export interface SileroVad {
  /** Speech probability in [0, 1] of one 512-sample 16 kHz frame. */
  process(frame: Float32Array): Promise<number>;
  /** Clears the recurrent state and context (start of a new stream). */
  reset(): void;
  /** Frees the session. The object is unusable afterwards. */
  release(): Promise<void>;
}

const CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

/**
 * Loads the model and returns a {@link SileroVad}.
 * @param model - URL of `silero_vad_v5.onnx`, or its bytes
 * @param ort - the onnxruntime-web module to use (its `env.wasm` already configured)
 * @throws Error when the model cannot be fetched or does not have Silero v5's inputs
 */
export async function createSileroVad(model: string | Uint8Array, ort: OrtModule): Promise<SileroVad> {
  let bytes: Uint8Array;
  if (typeof model === 'string') {
    const res = await fetch(model);
    if (!res.ok) throw new Error(`VAD model ${model}: HTTP ${res.status}`);
    bytes = new Uint8Array(await res.arrayBuffer());
  } else bytes = model;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  for (const name of ['input', 'state', 'sr']) {
    if (!session.inputNames.includes(name)) {
      await session.release();
      throw new Error(`VAD model inputs are [${session.inputNames.join(', ')}]; expected Silero v5's input, state, sr`);
    }
  }

  // Buffers reused for every frame: the WASM backend copies tensor data at run time.
  const window = new Float32Array(CONTEXT_SAMPLES + FRAME_SAMPLES);
  const input = new ort.Tensor('float32', window, [1, window.length]);
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  const zeroState = () => new ort.Tensor('float32', new Float32Array(STATE_SIZE), [2, 1, 128]);
  let state: Ort.Tensor = zeroState();
  let busy = false;
  let released = false;

  return {
    async process(frame) {
      if (released) throw new Error('Silero VAD used after release()');
      if (busy) throw new Error('Silero VAD process() calls must not overlap');
      if (frame.length !== FRAME_SAMPLES) throw new RangeError(`VAD frame must have ${FRAME_SAMPLES} samples, got ${frame.length}`);
      busy = true;
      try {
        window.set(frame, CONTEXT_SAMPLES);
        const out = await session.run({ input, state, sr });
        state = out.stateN;
        // Context for the next frame: the tail of this one.
        window.copyWithin(0, FRAME_SAMPLES, FRAME_SAMPLES + CONTEXT_SAMPLES);
        const p = Number(out.output.data[0]);
        return Number.isFinite(p) ? p : 0;
      } finally {
        busy = false;
      }
    },
    reset() {
      state = zeroState();
      window.fill(0);
    },
    async release() {
      released = true;
      await session.release();
    },
  };
}
