/** Real implementations of the ports: AudioWorklet capture, VAD worker, file decoders, inference worker. */
import { startCapture } from '../audio/capture';
import { openAudioFile } from '../audio/decode';
import { assetUrls } from '../env';
import { InferenceClient } from '../model';
import { Segmenter, type WorkerLike } from '../vad/segmenter';
import type { AppPorts } from './ports';

/**
 * @param assetBase - absolute URL of the folder holding `ort/` and `vad/` (default: `vendor/`
 *   beside the page), so the embed can point at its own bundle location.
 * @param opts.createVadWorker - VAD worker factory (the embed needs a cross-origin-safe one).
 * @param opts.createInferenceWorker - inference worker factory (likewise).
 * @param opts.modelOrigins - origins models may come from (default: the page's own).
 */
export function browserPorts(
  assetBase: string,
  opts: { createVadWorker?: () => WorkerLike; createInferenceWorker?: () => Worker; modelOrigins?: readonly string[] } = {},
): AppPorts {
  const urls = assetUrls(assetBase);
  return {
    async createSegmenter(onEvent, onError) {
      const seg = await Segmenter.create({
        modelUrl: urls.vadModel,
        wasmPaths: urls.ort,
        ...(opts.createVadWorker ? { createWorker: opts.createVadWorker } : {}),
      });
      for (const type of ['speech-start', 'speech-real-start', 'partial', 'utterance', 'misfire'] as const) seg.on(type, onEvent);
      seg.on('error', (e) => onError(e.message));
      return seg;
    },
    startCapture(handlers) {
      return startCapture(handlers);
    },
    async openFile(file) {
      const { info, chunks } = await openAudioFile(file);
      return { durationS: info.durationSeconds, chunks, warning: info.warning ?? null };
    },
    loadModel({ manifestUrl, backend, onProgress }) {
      return InferenceClient.create({
        manifestUrl,
        backend,
        assetBase: urls.ort,
        onProgress,
        ...(opts.modelOrigins ? { modelOrigins: opts.modelOrigins } : {}),
        ...(opts.createInferenceWorker ? { createWorker: opts.createInferenceWorker } : {}),
      });
    },
  };
}
