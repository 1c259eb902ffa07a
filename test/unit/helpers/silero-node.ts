/**
 * The real Silero v5 VAD in Node (onnxruntime-web WASM, one thread) and the page's VadPipeline
 * over whole signals: shared by the VAD tests and bench/page-segments.bench.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import type { VadEvent } from '../../../src/vad/events';
import { VadPipeline } from '../../../src/vad/pipeline';
import { createSileroVad, type SileroVad } from '../../../src/vad/silero';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Loads the Silero v5 model that the page ships (from @ricky0123/vad-web). */
export async function loadSileroInNode(): Promise<SileroVad> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = new URL('node_modules/onnxruntime-web/dist/', `file://${ROOT}/`).href;
  return createSileroVad(new Uint8Array(readFileSync(resolve(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx'))), ort);
}

/** Every event of 16 kHz audio pushed in 4000-sample chunks (as the page's paths do) through a fresh pipeline with default options, then flushed. */
export async function vadEvents(vad: SileroVad, samples: Float32Array): Promise<VadEvent[]> {
  const events: VadEvent[] = [];
  const pipe = new VadPipeline(vad, {}, (e) => events.push(e));
  pipe.reset();
  for (let at = 0; at < samples.length; at += 4000) await pipe.push(samples.subarray(at, at + 4000));
  await pipe.flush();
  return events;
}
