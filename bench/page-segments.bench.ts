/**
 * The page's utterance segments of audio files (docs/results/page-segments.md): the app's
 * VadPipeline (src/vad/pipeline.ts, real Silero v5 through onnxruntime-web WASM in Node, default
 * options: pre-speech pad 300 ms, post 200 ms) over each file, fed in 4000-sample chunks at 16 kHz
 * after the app's WAV decoder, channel averaging and Resampler, as the page's worker does.
 * Input: PAGESEG_CLIPS, a JSON list of [id, wavPath] (training.experiments.page_segments writes it).
 * Output: PAGESEG_OUT, JSON {id: [[startSample, endSample], ...]} at 16 kHz.
 * Not part of any test suite (CI has no corpora). Run:
 *   PAGESEG_CLIPS=clips.json PAGESEG_OUT=segments.json nice npx vitest run -c bench/vitest.page-segments.config.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { beforeAll, test } from 'vitest';
import { Resampler } from '../src/audio/resample';
import { decodeWav } from '../src/audio/wav';
import type { UtteranceEvent } from '../src/vad/events';
import { VadPipeline } from '../src/vad/pipeline';
import { createSileroVad, type SileroVad } from '../src/vad/silero';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let vad: SileroVad;

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = new URL('node_modules/onnxruntime-web/dist/', `file://${ROOT}/`).href;
  const model = readFileSync(resolve(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx'));
  vad = await createSileroVad(new Uint8Array(model), ort);
});

function load16k(path: string): Float32Array {
  const { info, samples } = decodeWav(new Uint8Array(readFileSync(path)));
  let mono = samples;
  if (info.channels > 1) {
    mono = new Float32Array(samples.length / info.channels);
    for (let i = 0; i < mono.length; i++) {
      let s = 0;
      for (let c = 0; c < info.channels; c++) s += samples[i * info.channels + c];
      mono[i] = s / info.channels;
    }
  }
  if (info.sampleRate === 16000) return mono;
  const r = new Resampler(info.sampleRate);
  const a = r.process(mono);
  const b = r.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function segments(samples: Float32Array): Promise<number[][]> {
  const out: UtteranceEvent[] = [];
  const pipe = new VadPipeline(vad, {}, (e) => {
    if (e.type === 'utterance') out.push(e);
  });
  pipe.reset();
  for (let at = 0; at < samples.length; at += 4000) await pipe.push(samples.slice(at, at + 4000));
  await pipe.flush();
  return out.map((u) => [u.startSample, u.endSample]);
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
