/**
 * VAD worker: owns onnxruntime-web (WASM) with Silero VAD v5 and the frame processor, so
 * neither the model nor the segmentation ever runs on the UI thread. Messages are handled
 * strictly in order (the model is recurrent).
 */
import * as ort from 'onnxruntime-web/wasm';
import type { VadEvent } from './events';
import { VadPipeline } from './pipeline';
import type { SegmenterRequest, SegmenterResponse } from './protocol';
import { createSileroVad, type SileroVad } from './silero';

declare const self: DedicatedWorkerGlobalScope;

let vad: SileroVad | null = null;
let pipeline: VadPipeline | null = null;
let queue: Promise<void> = Promise.resolve();

function send(msg: SegmenterResponse, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

function emit(event: VadEvent): void {
  const transfer = event.type === 'utterance' || event.type === 'partial' ? [event.audio.buffer] : [];
  send({ type: 'event', event }, transfer);
}

async function handle(msg: SegmenterRequest): Promise<void> {
  if (msg.type === 'init') {
    ort.env.wasm.wasmPaths = msg.wasmPaths;
    ort.env.wasm.numThreads = msg.numThreads;
    vad = await createSileroVad(msg.modelUrl, ort);
    pipeline = new VadPipeline(vad, msg.options, emit);
    // Warm-up: the first run initialises kernels; then forget its state.
    await vad.process(new Float32Array(512));
    pipeline.reset();
    send({ type: 'ready', options: { ...pipeline.processor.options } });
    return;
  }
  if (msg.type === 'release') {
    await vad?.release();
    vad = null;
    pipeline = null;
    self.close();
    return;
  }
  if (!pipeline) throw new Error('VAD worker used before init');
  switch (msg.type) {
    case 'push':
      await pipeline.push(msg.samples);
      if (msg.ack !== undefined) send({ type: 'ack', id: msg.ack, position: pipeline.processor.position });
      break;
    case 'flush':
      await pipeline.flush();
      send({ type: 'flushed', id: msg.id, position: pipeline.processor.position });
      break;
    case 'reset':
      pipeline.reset();
      break;
  }
}

self.onmessage = (e: MessageEvent<SegmenterRequest>) => {
  const msg = e.data;
  queue = queue
    .then(() => handle(msg))
    .catch((err: unknown) => {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err), fatal: msg.type === 'init' });
    });
};
