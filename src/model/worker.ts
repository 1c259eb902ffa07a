/**
 * Inference worker role (started by src/worker-entry.ts for a worker named "inference"):
 * owns onnxruntime-web (WebGPU build, which includes WASM).
 * Receives {@link ToWorker} messages, answers with {@link FromWorker}. One model per
 * worker; requests run one at a time through the {@link RequestScheduler}.
 */
/// <reference lib="webworker" />
import * as ort from 'onnxruntime-web/webgpu';
import { ModelCache } from './cache.ts';
import { InferenceEngine } from './engine.ts';
import { InferenceError, ModelLoadError } from './errors.ts';
import type { CalibrationFitMessage, ClassifyMessage, FromWorker, InitMessage, SerializedError, ToWorker } from './protocol.ts';
import { RequestScheduler } from './scheduler.ts';
import { postOrFallback, postSafely } from './worker-post.ts';

declare const self: DedicatedWorkerGlobalScope;

function post(message: FromWorker, transfer: Transferable[] = []): boolean {
  return postSafely(self, message, transfer);
}

/** Flattens an error for postMessage, keeping the typed errors' codes. */
function serialize(e: unknown): SerializedError {
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    const url = (e as Error & { url?: unknown }).url;
    const name = e.name === 'ModelLoadError' || e.name === 'InferenceError' ? e.name : 'Error';
    return {
      name,
      message: e.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof url === 'string' ? { url } : {}),
    };
  }
  return { name: 'Error', message: String(e) };
}

let engine: Promise<InferenceEngine> | null = null;
/** Set by a simulated crash while requests are in flight: the next one dies mid-request. */
let crashPending = false;

/** Throws outside any handler, so the main thread sees worker.onerror as in a real crash. */
function crash(): void {
  setTimeout(() => {
    throw new Error('simulated worker crash');
  });
}

const scheduler = new RequestScheduler<ClassifyMessage>(
  async (req) => {
    if (crashPending) {
      crash();
      return new Promise<void>(() => undefined); // never answers: the request is lost with the worker
    }
    try {
      if (!engine) throw new InferenceError('run-failed', 'model not loaded');
      // Provisional results preview the session statistics; only final ones add to them.
      const result = await (await engine).classify(req.audio, { commit: req.kind === 'final', epoch: req.adaptEpoch });
      const { probabilities, inferenceMs, backend, adaptation, attention, pooled, tunedProbabilities } = result;
      postOrFallback(
        self,
        {
          type: 'result',
          id: req.id,
          probabilities,
          inferenceMs,
          backend,
          ...(adaptation ? { adaptation } : {}),
          ...(attention ? { attention } : {}),
          ...(pooled ? { pooled } : {}),
          ...(tunedProbabilities ? { tunedProbabilities } : {}),
        },
        () => ({ type: 'classify-error', id: req.id, error: serialize(new InferenceError('run-failed', 'the result could not be passed to the page')) }),
        [probabilities.buffer, ...(pooled ? [pooled.buffer] : []), ...(tunedProbabilities ? [tunedProbabilities.buffer] : [])],
      );
    } catch (e) {
      post({ type: 'classify-error', id: req.id, error: serialize(e) });
    }
  },
  (dropped) => {
    post({
      type: 'classify-error',
      id: dropped.id,
      error: serialize(new InferenceError('superseded', 'a newer request replaced this provisional one')),
    });
  },
);

function init(msg: InitMessage): void {
  const t0 = performance.now();
  engine = InferenceEngine.load(msg, {
    ort,
    cache: ModelCache.fromGlobal(),
    gpu: self.navigator.gpu,
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: self.navigator.hardwareConcurrency,
    onProgress: (event) => post({ type: 'progress', event }),
    onBackendChanged: (backend) => post({ type: 'backend-changed', backend }),
  });
  engine.then(
    (e) =>
      postOrFallback(self, { type: 'ready', manifest: e.manifest, manifestUrl: e.loaded.url, backend: e.choice, loadMs: performance.now() - t0 }, () => ({
        type: 'init-error',
        error: serialize(new ModelLoadError('invalid-manifest', `The model manifest ${e.loaded.url} could not be passed to the page (too deeply nested or not plain data).`, e.loaded.url)),
      })),
    (err: unknown) => post({ type: 'init-error', error: serialize(err) }),
  );
}

/** Refits in this worker (plain float64 loops: well under a second for 32 examples of dim 512). */
async function calibrationFit(msg: CalibrationFitMessage): Promise<void> {
  try {
    if (!engine) throw new InferenceError('run-failed', 'model not loaded');
    const e = await engine;
    const t0 = performance.now();
    const layer = e.fit(msg.x, msg.y, msg.recipe);
    post({ type: 'calibration-fitted', id: msg.id, layer, fitMs: performance.now() - t0 }, [layer.w.buffer, layer.b.buffer]);
  } catch (err) {
    post({ type: 'calibration-fitted', id: msg.id, error: serialize(err) });
  }
}

function onMessage(event: MessageEvent<ToWorker>): void {
  const msg = event.data;
  switch (msg.type) {
    case 'init':
      init(msg);
      break;
    case 'classify':
      scheduler.submit(msg);
      break;
    case 'simulate-fault':
      if (msg.fault === 'crash') {
        // Requests in flight (or arriving before the crash lands) die with the worker.
        crashPending = true;
        if (!scheduler.busy) crash();
      } else {
        void engine?.then((e) => e.simulateDeviceLost());
      }
      break;
    case 'calibration-set': {
      const layer = msg.layer;
      // A bad layer is refused by the engine; the page checks shapes before sending, so only log it.
      void engine?.then((e) => e.setTuned(layer)).catch((err: unknown) => console.warn('calibration-set refused:', err));
      break;
    }
    case 'calibration-fit':
      void calibrationFit(msg);
      break;
    case 'dispose':
      for (const req of scheduler.drain()) {
        post({ type: 'classify-error', id: req.id, error: serialize(new InferenceError('disposed', 'the client was disposed')) });
      }
      void engine?.then((e) => e.release()).catch(() => undefined);
      break;
    default: {
      const unknown: never = msg;
      throw new Error(`unknown message ${JSON.stringify(unknown)}`);
    }
  }
}

/** Makes this worker the inference worker. */
export function startInferenceWorker(): void {
  self.onmessage = onMessage;
}
