/**
 * The app's adapter: Recognizer events (fake ports) become store state the views read.
 */
import { expect, test } from 'vitest';
import { createController } from '../../src/app/controller';
import { Recognizer } from '../../src/app/recognizer';
import { createAppStore } from '../../src/store/app-store';
import { FakePorts, settle } from './helpers/fake-ports';

function setup(ports = new FakePorts()) {
  const store = createAppStore();
  const recognizer = new Recognizer({ manifestUrl: 'https://models.example/m/manifest.json', backend: 'auto', historyLimit: 10 }, ports);
  const controller = createController(store, recognizer);
  return { store, recognizer, controller, ports, s: () => store.getState() };
}

test('model load, listening and an utterance reach the store', async () => {
  const { controller, ports, s } = setup();
  await controller.init();
  expect(s().load.phase).toBe('ready');
  expect(s().model?.labels).toEqual(['anger', 'neutral']);
  expect(s().backend).toEqual({ backend: 'wasm', reason: 'forced', variant: 'fp32', forced: false });
  await controller.startListening();
  expect(s().live.mic).toBe('listening');
  const seg = ports.segmenters[0];
  seg.onEvent({ type: 'speech-start', startSample: 0 });
  expect(s().live.speech).toBe(true);
  seg.onEvent({ type: 'speech-real-start', startSample: 0 });
  seg.onEvent({ type: 'utterance', audio: new Float32Array(8000), startSample: 0, endSample: 8000, reason: 'silence' });
  expect(s().live).toMatchObject({ speech: false, pending: 1 });
  await settle();
  expect(s().live.pending).toBe(0);
  expect(s().order).toHaveLength(1);
  expect(s().results[s().order[0]]).toMatchObject({ source: 'mic', startS: 0, endS: 0.5 });
  controller.stopListening();
  await settle();
  expect(s().live).toMatchObject({ mic: 'off', speech: false, level: 0, provisional: null });
  controller.dispose();
});

test('files: one row per file, from queued to done with its utterances; clear keeps nothing finished', async () => {
  const { controller, ports, s } = setup();
  await controller.init();
  ports.fileScripts.push([{ type: 'speech-real-start', startSample: 0 }, { type: 'utterance', audio: new Float32Array(8000), startSample: 0, endSample: 8000, reason: 'flush' }]);
  ports.fileScripts.push([]);
  controller.analyseFiles([new File([new Float32Array(16000)], 'a.wav'), new File([new Float32Array(16000)], 'silence.wav')]);
  expect(s().files.map((f) => [f.name, f.status])).toEqual([
    ['a.wav', 'decoding'], // the first starts at once
    ['silence.wav', 'queued'],
  ]);
  await settle(20);
  expect(s().files.map((f) => [f.name, f.status, f.utteranceIds.length, f.message])).toEqual([
    ['a.wav', 'done', 1, null],
    ['silence.wav', 'done', 0, 'No speech found in this file.'],
  ]);
  controller.clearHistory();
  expect(s().files).toEqual([]);
  expect(s().order).toEqual([]);
  controller.dispose();
});

test('a failed load and a refused microphone show as errors', async () => {
  const ports = new FakePorts();
  ports.modelError = new Error('model manifest: HTTP 404');
  const { controller, s } = setup(ports);
  await controller.init();
  expect(s().load).toMatchObject({ phase: 'error', error: 'model manifest: HTTP 404' });
  ports.modelError = null;
  controller.retryModel();
  await settle();
  expect(s().load.phase).toBe('ready');
  ports.captureError = new Error('Microphone access was denied.');
  await controller.startListening();
  expect(s().live.mic).toBe('error');
  expect(s().notices.at(-1)).toMatchObject({ kind: 'error', text: 'Microphone access was denied.' });
  controller.dispose();
});
