/**
 * VAD worker role (started by src/worker-entry.ts for a worker named "vad"): owns
 * onnxruntime-web (plain WASM use of the WebGPU build) with Silero VAD v5 and the frame
 * processor, so neither the model nor the segmentation runs on the UI thread.
 */
// Same ORT build as the inference worker: one (cached) wasm binary serves both workers.
import * as ort from 'onnxruntime-web/webgpu';
import type { SegmenterRequest } from './protocol';
import { createVadWorkerCore } from './worker-core';

declare const self: DedicatedWorkerGlobalScope;

/** Makes this worker the VAD worker. */
export function startVadWorker(): void {
  const handle = createVadWorkerCore(
    ort,
    (msg, transfer) => self.postMessage(msg, transfer),
    () => self.close(),
  );
  self.onmessage = (e: MessageEvent<SegmenterRequest>) => handle(e.data);
}
