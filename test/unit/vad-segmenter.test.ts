/**
 * Segmenter (main-thread API) against the real worker core and Silero model, with the
 * worker replaced by an in-process message pipe (structured clone + transfer, async).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { decodeWav } from '../../src/audio/wav';
import type { SegmenterRequest, SegmenterResponse } from '../../src/vad/protocol';
import { Segmenter, type WorkerLike } from '../../src/vad/segmenter';
import { createVadWorkerCore } from '../../src/vad/worker-core';

// Real-model tests: generous limits for a loaded 2-core CI machine (nothing here asserts time).
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const ROOT = resolve(__dirname, '../..');
const MODEL = pathToFileURL(resolve(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx')).href;
const WASM = pathToFileURL(resolve(ROOT, 'node_modules/onnxruntime-web/dist')).href + '/';

/** A worker stand-in: messages are structured-cloned with transfer, delivered asynchronously. */
function inProcessWorker(): WorkerLike & { transfers: number } {
  const w: WorkerLike & { transfers: number } = {
    transfers: 0,
    onmessage: null,
    onerror: null,
    postMessage(msg: SegmenterRequest, transfer: Transferable[]) {
      w.transfers += transfer.length;
      const copy = structuredClone(msg, { transfer: transfer as Transferable[] & Iterable<ArrayBuffer> });
      setTimeout(() => core(copy), 0);
    },
    terminate() {},
  };
  const core = createVadWorkerCore(ort, (msg: SegmenterResponse, transfer) => {
    const copy = structuredClone(msg, { transfer: transfer as Transferable[] & Iterable<ArrayBuffer> });
    setTimeout(() => w.onmessage?.(new MessageEvent('message', { data: copy })), 0);
  });
  return w;
}

let samples: Float32Array;

beforeAll(() => {
  // Node's fetch has no file: scheme; the worker core fetches the model by URL.
  vi.stubGlobal('fetch', async (url: string) => new Response(readFileSync(fileURLToPath(url))));
  samples = decodeWav(new Uint8Array(readFileSync(resolve(ROOT, '../shared/data/fixtures/three_utterances_16k.wav')))).samples;
});

afterAll(() => {
  vi.unstubAllGlobals();
});

async function* chunksOf(x: Float32Array, size: number): AsyncGenerator<Float32Array> {
  for (let at = 0; at < x.length; at += size) yield x.slice(at, at + size);
}

test('pushFile: 3 utterances, all delivered before it resolves, progress to the end', async () => {
  const worker = inProcessWorker();
  const seg = await Segmenter.create({ modelUrl: MODEL, wasmPaths: WASM, createWorker: () => worker });
  expect(seg.options.redemptionMs).toBe(900);
  const starts: number[] = [];
  const utts: [number, number, number][] = [];
  seg.on('speech-start', (e) => starts.push(e.startSample));
  const off = seg.on('utterance', (e) => utts.push([e.startSample, e.endSample, e.audio.length]));
  const progress: number[] = [];
  await seg.pushFile(chunksOf(samples, 7000), (s) => progress.push(s));
  expect(utts).toHaveLength(3);
  expect(utts.every(([a, b, n]) => b - a === n)).toBe(true);
  expect(starts).toHaveLength(3);
  expect(progress[progress.length - 1]).toBeCloseTo(Math.ceil(samples.length / 512) * 512 / 16000, 5);
  expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
  // Chunks were transferred, not copied.
  expect(worker.transfers).toBeGreaterThanOrEqual(Math.ceil(samples.length / 7000));

  // A second file is a fresh stream: positions restart at 0 (its first 4.5 s: the first utterance again).
  const first = utts.splice(0);
  await seg.pushFile(chunksOf(samples.slice(0, 72000), 16000));
  expect(utts).toEqual(first.slice(0, 1));
  off();
  seg.release();
});

test('live push of 512-sample frames, then flush closes the open utterance', async () => {
  const seg = await Segmenter.create({ modelUrl: MODEL, wasmPaths: WASM, createWorker: inProcessWorker });
  const events: string[] = [];
  seg.on('utterance', (e) => events.push(`${e.type}:${e.reason}`));
  // Up to 2.5 s: the first utterance (1.0-3.0 s) is still open.
  for (let at = 0; at + 512 <= 40000; at += 512) seg.push(samples.slice(at, at + 512));
  await seg.flush();
  expect(events).toEqual(['utterance:flush']);
  seg.reset();
  await seg.flush();
  expect(events).toHaveLength(1);
  seg.release();
  expect(() => seg.push(new Float32Array(512))).toThrow(/release/);
});

test('a model that cannot be loaded rejects create() with the reason', async () => {
  await expect(Segmenter.create({ modelUrl: pathToFileURL('/nonexistent/model.onnx').href, wasmPaths: WASM, createWorker: inProcessWorker })).rejects.toThrow(
    /VAD failed to load/,
  );
});
