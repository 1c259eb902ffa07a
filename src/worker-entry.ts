/**
 * The one worker script: its role comes from the worker's name ("vad" or "inference"), so
 * onnxruntime-web's JS ships once for both workers instead of once per worker (the embed's
 * size budget). Both roles are bundled; each worker runs only its own.
 */
import { startInferenceWorker } from './model/worker';
import { startVadWorker } from './vad/vad.worker';

declare const self: DedicatedWorkerGlobalScope;

/** Worker names the page gives (src/model/client.ts, src/vad/segmenter.ts, src/embed/workers.ts). */
export type WorkerRole = 'vad' | 'inference';

if ((self.name as WorkerRole) === 'vad') startVadWorker();
else startInferenceWorker();
