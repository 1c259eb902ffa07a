/**
 * The VAD worker's logic without the worker: handles {@link SegmenterRequest}s strictly in
 * order (the model is recurrent) and answers through `send`. vad.worker.ts binds it to
 * `self`; tests bind it to a fake worker in Node with the real model.
 */
import { configureOrt } from '../env';
import type { VadEvent } from './events';
import { VadPipeline } from './pipeline';
import type { SegmenterRequest, SegmenterResponse } from './protocol';
import { createSileroVad, type OrtModule, type SileroVad } from './silero';

/** Posts a response with its transfer list. */
export type SendResponse = (msg: SegmenterResponse, transfer: Transferable[]) => void;

/**
 * Creates the request handler.
 * @param ort - onnxruntime-web module (its `env.wasm` is configured from the init request)
 * @param send - posts responses to the main thread
 * @param close - called after `release` (the worker closes itself)
 */
export function createVadWorkerCore(ort: OrtModule, send: SendResponse, close: () => void = () => undefined): (msg: SegmenterRequest) => void {
  let vad: SileroVad | null = null;
  let pipeline: VadPipeline | null = null;
  let queue: Promise<void> = Promise.resolve();

  const emit = (event: VadEvent) => {
    const transfer = event.type === 'utterance' || event.type === 'partial' ? [event.audio.buffer] : [];
    send({ type: 'event', event }, transfer);
  };

  async function handle(msg: SegmenterRequest): Promise<void> {
    if (msg.type === 'init') {
      configureOrt(ort.env, { wasmPaths: msg.wasmPaths, numThreads: msg.numThreads });
      vad = await createSileroVad(msg.modelUrl, ort);
      pipeline = new VadPipeline(vad, msg.options, emit);
      // Warm-up: the first run initialises kernels; then forget its state.
      await vad.process(new Float32Array(512));
      pipeline.reset();
      send({ type: 'ready', options: { ...pipeline.processor.options } }, []);
      return;
    }
    if (msg.type === 'release') {
      await vad?.release();
      vad = null;
      pipeline = null;
      close();
      return;
    }
    if (!pipeline) throw new Error('VAD worker used before init');
    switch (msg.type) {
      case 'push':
        await pipeline.push(msg.samples);
        if (msg.ack !== undefined) send({ type: 'ack', id: msg.ack, position: pipeline.processor.position }, []);
        break;
      case 'flush':
        await pipeline.flush();
        send({ type: 'flushed', id: msg.id, position: pipeline.processor.position }, []);
        break;
      case 'reset':
        pipeline.reset();
        break;
    }
  }

  return (msg) => {
    queue = queue
      .then(() => handle(msg))
      .catch((err: unknown) => {
        send({ type: 'error', message: err instanceof Error ? err.message : String(err), fatal: msg.type === 'init' }, []);
      });
  };
}
