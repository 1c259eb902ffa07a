/** Real implementations of the audio ports: AudioWorklet capture, VAD worker, file decoders. */
import { startCapture } from '../audio/capture';
import { openAudioFile } from '../audio/decode';
import { Segmenter, type WorkerLike } from '../vad/segmenter';
import type { AppPorts } from './ports';

/**
 * @param assetBase - absolute URL of the folder holding `ort/` and `vad/` (default: `vendor/`
 *   beside the page), so the embed can point at its own bundle location.
 * @param opts.createVadWorker - VAD worker factory (the embed needs a cross-origin-safe one).
 */
export function browserPorts(assetBase: string, opts: { createVadWorker?: () => WorkerLike } = {}): AppPorts {
  return {
    async createSegmenter(onEvent, onError) {
      const seg = await Segmenter.create({
        modelUrl: new URL('vad/silero_vad_v5.onnx', assetBase).href,
        wasmPaths: new URL('ort/', assetBase).href,
        ...(opts.createVadWorker ? { createWorker: opts.createVadWorker } : {}),
      });
      seg.on('speech-start', onEvent);
      seg.on('partial', onEvent);
      seg.on('utterance', onEvent);
      seg.on('misfire', onEvent);
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
  };
}
