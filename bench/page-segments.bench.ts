/**
 * The page's utterance segments of audio files (docs/results/page-segments.md): the app's
 * VadPipeline (src/vad/pipeline.ts, real Silero v5 through onnxruntime-web WASM in Node, default
 * options: pre-speech pad 300 ms, post 200 ms) over each file, fed in 4000-sample chunks at 16 kHz
 * after the app's WAV decoder (which averages channels) and resampler, as the page's worker does.
 * Input: PAGESEG_CLIPS, a JSON list of [id, wavPath] (training.experiments.page_segments writes it).
 * Output: PAGESEG_OUT, JSON {id: [[startSample, endSample], ...]} at 16 kHz.
 * Not part of any test suite (CI has no corpora). Run:
 *   PAGESEG_CLIPS=clips.json PAGESEG_OUT=segments.json nice npx vitest run -c bench/vitest.page-segments.config.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, test } from 'vitest';
import { resample } from '../src/audio/resample';
import { decodeWav } from '../src/audio/wav';
import type { UtteranceEvent } from '../src/vad/events';
import type { SileroVad } from '../src/vad/silero';
import { loadSileroInNode, vadEvents } from '../test/unit/helpers/silero-node';

let vad: SileroVad;

beforeAll(async () => {
  vad = await loadSileroInNode();
});

/** 16 kHz mono, as the page's worker gets it: the app's WAV decoder (it averages channels) and resampler. */
function load16k(path: string): Float32Array {
  const { info, samples } = decodeWav(new Uint8Array(readFileSync(path)));
  return info.sampleRate === 16000 ? samples : resample(samples, info.sampleRate);
}

async function segments(samples: Float32Array): Promise<number[][]> {
  return (await vadEvents(vad, samples)).filter((e): e is UtteranceEvent => e.type === 'utterance').map((u) => [u.startSample, u.endSample]);
}

test('page segments', async () => {
  const clips: [string, string][] = JSON.parse(readFileSync(process.env.PAGESEG_CLIPS ?? '', 'utf8'));
  const outPath = process.env.PAGESEG_OUT ?? '';
  const out: Record<string, number[][]> = {};
  const t0 = performance.now();
  for (const [k, [id, path]] of clips.entries()) {
    out[id] = await segments(load16k(path));
    if (k % 250 === 0) console.log(`${k}/${clips.length} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  writeFileSync(outPath, JSON.stringify(out));
  console.log(`${clips.length} clips -> ${outPath}`);
});
