/**
 * The headless Recognizer driven through fake ports (no browser, no workers, no model):
 * model loading, the microphone path and its events, files, model switches and dispose.
 */
import { describe, expect, test } from 'vitest';
import { Recognizer, type RecognizerEvent, type RecognizerEvents } from '../../src/app/recognizer';
import { InferenceError } from '../../src/model/errors';
import type { VadEvent } from '../../src/vad/events';
import { FakePorts, settle } from './helpers/fake-ports';

const SR = 16000;

/** Records every event (of the given names) as `{ type, detail }`. */
function record(r: Recognizer, names: (keyof RecognizerEvents)[]): RecognizerEvent[] {
  const out: RecognizerEvent[] = [];
  for (const type of names) r.on(type, (detail) => out.push({ type, detail } as RecognizerEvent));
  return out;
}

function make(ports = new FakePorts()) {
  const r = new Recognizer({ manifestUrl: 'https://models.example/m/manifest.json', backend: 'wasm', historyLimit: 10 }, ports);
  return { r, ports };
}

const utterance = (start: number, end: number, reason: 'silence' | 'max-length' | 'flush' = 'silence'): VadEvent => ({
  type: 'utterance',
  audio: new Float32Array(end - start),
  startSample: start,
  endSample: end,
  reason,
});

describe('Recognizer: model', () => {
  test('load reports start, progress, ready and the backend; labels and backend getters follow', async () => {
    const { r } = make();
    const events = record(r, ['load-start', 'load-progress', 'model-ready', 'backend', 'error']);
    await r.load();
    expect(events.map((e) => e.type)).toEqual(['load-start', 'load-progress', 'model-ready', 'backend']);
    expect(events[1].detail).toEqual({ loaded: 5, total: 10, file: 'head.onnx' });
    const ready = events[2].detail as RecognizerEvents['model-ready'];
    expect(ready.model).toMatchObject({ name: 'fake', labels: ['anger', 'neutral'], cardUrl: 'https://models.example/m/card.md' });
    expect(ready.backend).toEqual({ backend: 'wasm', reason: 'forced', variant: 'fp32', forced: true });
    expect(r.labels).toEqual(['anger', 'neutral']);
    expect(r.backend).toEqual({ backend: 'wasm', variant: 'fp32', reason: 'forced' });
  });

  test('a failed load rejects with code model and reports an error event', async () => {
    const ports = new FakePorts();
    ports.modelError = new Error('model manifest: HTTP 404');
    const { r } = make(ports);
    const errors = record(r, ['error']);
    await expect(r.load()).rejects.toMatchObject({ code: 'model', message: expect.stringMatching(/404/) });
    expect(errors).toHaveLength(1);
    expect(errors[0].detail).toMatchObject({ code: 'model' });
    expect(r.ready).toBe(false);
  });

  test('dispose while the model loads: the late model is disposed, nothing reported', async () => {
    const ports = new FakePorts({ holdModel: true });
    const { r } = make(ports);
    const events = record(r, ['model-ready', 'backend', 'error']);
    const loading = r.load();
    await settle();
    r.dispose();
    ports.pendingModels[0].resolve();
    await expect(loading).rejects.toThrow(/cancelled/);
    expect(ports.models[0].disposed).toBe(true);
    expect(events).toEqual([]);
  });
});

describe('Recognizer: microphone', () => {
  test('real start announces the utterance; the result follows with its audio kept for playback', async () => {
    const { r, ports } = make();
    await r.load();
    const events = record(r, ['mic', 'speech', 'utterance-start', 'utterance-cancel', 'result', 'utterance', 'pending']);
    await r.start();
    const seg = ports.segmenters[0];
    seg.onEvent({ type: 'speech-start', startSample: 1024 });
    expect(events.filter((e) => e.type === 'utterance-start')).toEqual([]); // not yet: below minimum speech
    seg.onEvent({ type: 'speech-real-start', startSample: 1024 });
    seg.onEvent(utterance(1024, 1024 + SR));
    await settle();
    expect(events.map((e) => e.type)).toEqual(['mic', 'mic', 'speech', 'utterance-start', 'speech', 'pending', 'result', 'utterance', 'pending']);
    expect(events.find((e) => e.type === 'utterance-start')?.detail).toEqual({ source: 'mic', startS: 1024 / SR });
    const u = events.find((e) => e.type === 'utterance')?.detail as RecognizerEvents['utterance'];
    expect(u).toMatchObject({ source: 'mic', label: 'anger', labels: ['anger', 'neutral'], startS: 1024 / SR, endS: (1024 + SR) / SR, backend: 'wasm' });
    expect(u.probabilities[0]).toBeCloseTo(0.7, 6);
    expect(ports.models[0].calls).toEqual([{ kind: 'final', samples: SR }]);
    r.dispose();
  });

  test('a misfire after an announced start gives utterance-cancel; one never announced gives nothing', async () => {
    const { r, ports } = make();
    await r.load();
    const events = record(r, ['utterance-start', 'utterance-cancel', 'speech']);
    await r.start();
    const seg = ports.segmenters[0];
    seg.onEvent({ type: 'speech-start', startSample: 0 });
    seg.onEvent({ type: 'misfire', startSample: 0, endSample: 2048 }); // a 0.1 s blip
    seg.onEvent({ type: 'speech-start', startSample: 8192 });
    seg.onEvent({ type: 'speech-real-start', startSample: 8192 });
    seg.onEvent({ type: 'misfire', startSample: 8192, endSample: 16384 });
    expect(events.map((e) => `${e.type}:${JSON.stringify(e.detail)}`)).toEqual([
      'speech:true',
      'speech:false',
      'speech:true',
      `utterance-start:${JSON.stringify({ source: 'mic', startS: 8192 / SR })}`,
      'speech:false',
      `utterance-cancel:${JSON.stringify({ source: 'mic', startS: 8192 / SR })}`,
    ]);
    r.dispose();
  });

  test('start(); dispose() with a late microphone: nothing left live, no events afterwards', async () => {
    const ports = new FakePorts({ autoResolve: false });
    const { r } = make(ports);
    await r.load();
    const events = record(r, ['mic', 'error', 'notice']);
    const started = r.start();
    ports.pendingSegmenters[0].resolve();
    await settle();
    r.dispose();
    ports.pendingCaptures[0].resolve();
    await started;
    await settle();
    expect(ports.liveCaptures).toBe(0);
    expect(ports.liveSegmenters).toBe(0);
    expect(ports.models[0].disposed).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['mic']); // 'starting' only
    await expect(r.start()).rejects.toMatchObject({ code: 'microphone' });
  });

  test('a refused microphone: an error event (code microphone) and a notice; start() still resolves', async () => {
    const ports = new FakePorts();
    ports.captureError = new Error('Microphone access was denied.');
    const { r } = make(ports);
    await r.load();
    const events = record(r, ['error', 'notice', 'mic']);
    await r.start();
    expect(r.micState).toBe('idle');
    expect(events.map((e) => e.type)).toEqual(['mic', 'mic', 'notice', 'error']);
    expect(events[3].detail).toEqual({ code: 'microphone', message: 'Microphone access was denied.' });
    r.dispose();
  });
});

describe('Recognizer: files', () => {
  const wav = () => new File([new Float32Array(SR * 2)], 'speech.wav', { type: 'audio/wav' });

  test('analyse resolves with the utterances in order; file job events from queued to done', async () => {
    const { r, ports } = make();
    await r.load();
    const events = record(r, ['file', 'utterance-start', 'utterance', 'error']);
    ports.fileScripts.push([
      { type: 'speech-start', startSample: 0 },
      { type: 'speech-real-start', startSample: 0 },
      utterance(0, 8000),
      { type: 'speech-start', startSample: 16000 },
      { type: 'speech-real-start', startSample: 16000 },
      utterance(16000, 30000),
    ]);
    const models: (string | undefined)[] = [];
    r.on('result', (x) => models.push(x.model));
    const out = await r.analyse(wav());
    expect(out.map((u) => [u.fileName, u.startS, u.endS])).toEqual([
      ['speech.wav', 0, 0.5],
      ['speech.wav', 1, 30000 / SR],
    ]);
    // The file job has its own counter: the first utterance of a session is u1 (was u2).
    expect(out.map((u) => u.id)).toEqual(['u1', 'u2']);
    expect(models).toEqual(['fake 1', 'fake 1']); // exports say which model produced each row
    const statuses = events.filter((e) => e.type === 'file').map((e) => (e.detail as RecognizerEvents['file']).status);
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('done');
    expect(events.filter((e) => e.type === 'utterance-start').map((e) => e.detail)).toEqual([
      { source: 'file', startS: 0, fileName: 'speech.wav' },
      { source: 'file', startS: 1, fileName: 'speech.wav' },
    ]);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    r.dispose();
  });

  test('a non-finite model output fails that utterance only: the file completes with the others and says so', async () => {
    const { r, ports } = make();
    await r.load();
    ports.models[0].failures.push(new InferenceError('invalid-output', 'the model returned a non-finite probability (NaN for class 0) on wasm'));
    const events = record(r, ['file', 'utterance', 'error']);
    ports.fileScripts.push([utterance(0, 8000), utterance(16000, 30000)]);
    const out = await r.analyse(wav());
    expect(out.map((u) => u.startS)).toEqual([1]);
    const last = events.filter((e) => e.type === 'file').at(-1)?.detail as RecognizerEvents['file'];
    expect(last).toMatchObject({ status: 'done', message: expect.stringContaining('1 utterance could not be analysed') });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    r.dispose();
  });

  test('setModel mid-analysis: the old analyse rejects "cancelled: model changed", no error event, the new model analyses', async () => {
    const { r, ports } = make();
    await r.load();
    const old = ports.models[0];
    old.hold = [];
    const events = record(r, ['error', 'utterance']);
    ports.fileScripts.push([{ type: 'speech-real-start', startSample: 0 }, utterance(0, 8000)]);
    const first = r.analyse(wav());
    const firstOutcome = first.then(
      () => 'resolved',
      (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
    );
    await settle();
    expect(old.hold).toHaveLength(1); // the utterance is being classified
    const switching = r.setModel('https://models.example/other/manifest.json');
    expect(await firstOutcome).toBe('file: speech.wav: cancelled: model changed');
    old.hold[0].resolve(); // the old model answers late: ignored
    await switching;
    expect(old.disposed).toBe(true);
    expect(ports.segmenters[0].released).toBe(true); // the cancelled file's VAD worker is not reused
    ports.fileScripts.push([{ type: 'speech-real-start', startSample: 0 }, utterance(0, 8000)]);
    const second = r.analyse(wav(), 'again.wav');
    expect((await second).map((u) => u.fileName)).toEqual(['again.wav']);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.filter((e) => e.type === 'utterance').map((e) => (e.detail as RecognizerEvents['utterance']).fileName)).toEqual(['again.wav']);
    expect(ports.models[1].manifestUrl).toBe('https://models.example/other/manifest.json');
    r.dispose();
  });

  test('dispose mid-analysis: analyse rejects "cancelled: the recognizer was disposed"; nothing else happens', async () => {
    const { r, ports } = make();
    await r.load();
    ports.models[0].hold = [];
    const events = record(r, ['error', 'utterance', 'file']);
    ports.fileScripts.push([{ type: 'speech-real-start', startSample: 0 }, utterance(0, 8000)]);
    const p = r.analyse(wav());
    await settle();
    const before = events.length;
    r.dispose();
    await expect(p).rejects.toMatchObject({ code: 'file', message: 'speech.wav: cancelled: the recognizer was disposed' });
    ports.models[0].hold[0].resolve();
    await settle();
    expect(events.length).toBe(before);
    expect(ports.liveSegmenters).toBe(0);
  });
});
