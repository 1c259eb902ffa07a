/**
 * Session domain normalisation through the headless Recognizer (fake ports): one running
 * estimate shared by microphone and files, counted in results and the `adaptation` event,
 * reset by resetAdaptation() and by a model change; absent for models without it.
 */
import { describe, expect, test } from 'vitest';
import { createController } from '../../src/app/controller';
import { Recognizer, type RecognizerEvents } from '../../src/app/recognizer';
import { createAppStore } from '../../src/store/app-store';
import type { VadEvent } from '../../src/vad/events';
import { FakePorts, settle } from './helpers/fake-ports';

const SR = 16000;
const utterance = (start: number, end: number): VadEvent => ({ type: 'utterance', audio: new Float32Array(end - start), startSample: start, endSample: end, reason: 'silence' });
const wav = () => new File([new Float32Array(SR * 2)], 'two.wav', { type: 'audio/wav' });
const twoUtterances = (): VadEvent[] => [
  { type: 'speech-real-start', startSample: 0 },
  utterance(0, 8000),
  { type: 'speech-real-start', startSample: 16000 },
  utterance(16000, 30000),
];

function make(domain = true) {
  const ports = new FakePorts({ domain });
  const r = new Recognizer({ manifestUrl: 'https://models.example/m/manifest.json', backend: 'wasm', historyLimit: 10 }, ports);
  const seen: RecognizerEvents['adaptation'][] = [];
  r.on('adaptation', (a) => seen.push(a));
  return { r, ports, seen };
}

describe('Recognizer: session adaptation', () => {
  test('file and microphone utterances feed one estimate in the order analysed; results say what they were adapted on', async () => {
    const { r, ports, seen } = make();
    await r.load();
    expect(r.adaptation).toEqual({ utterances: 0 });
    ports.fileScripts.push(twoUtterances());
    const out = await r.analyse(wav());
    expect(out.map((u) => u.adaptedOn)).toEqual([1, 2]);
    await r.start();
    ports.segmenters.at(-1)!.onEvent(utterance(0, SR));
    await settle();
    expect(r.adaptation).toEqual({ utterances: 3 });
    expect(seen).toEqual([{ utterances: 0 }, { utterances: 1 }, { utterances: 2 }, { utterances: 3 }]);
    // provisional results preview the estimate; they do not add to it
    ports.segmenters.at(-1)!.onEvent({ type: 'speech-start', startSample: SR * 2 });
    ports.segmenters.at(-1)!.onEvent({ type: 'partial', audio: new Float32Array(SR), startSample: SR * 2 });
    await settle();
    expect(r.adaptation).toEqual({ utterances: 3 });
    r.dispose();
  });

  test('resetAdaptation: back to 0 at once; the next utterance is counted as the first', async () => {
    const { r, ports } = make();
    await r.load();
    ports.fileScripts.push(twoUtterances());
    await r.analyse(wav());
    r.resetAdaptation();
    expect(r.adaptation).toEqual({ utterances: 0 });
    ports.fileScripts.push(twoUtterances().slice(0, 2));
    const [next] = await r.analyse(wav());
    expect(next.adaptedOn).toBe(1);
    expect(r.adaptation).toEqual({ utterances: 1 });
    r.dispose();
  });

  test('a result computed before a reset does not overwrite the count shown after it', async () => {
    const { r, ports } = make();
    await r.load();
    await r.start();
    const model = ports.models[0];
    model.hold = [];
    ports.segmenters[0].onEvent(utterance(0, SR));
    await settle();
    r.resetAdaptation(); // while the utterance is being analysed
    model.hold[0].resolve();
    await settle();
    expect(r.adaptation).toEqual({ utterances: 0 });
    r.dispose();
  });

  test('a model change restarts the statistics; a model without domain normalisation has none', async () => {
    const { r, ports, seen } = make();
    await r.load();
    ports.fileScripts.push(twoUtterances());
    await r.analyse(wav());
    await r.setModel('https://models.example/other/manifest.json');
    expect(r.adaptation).toEqual({ utterances: 0 });
    expect(seen.slice(-2)).toEqual([null, { utterances: 0 }]); // none while loading
    r.dispose();

    const plain = make(false);
    await plain.r.load();
    expect(plain.r.adaptation).toBeNull();
    plain.ports.fileScripts.push(twoUtterances());
    const out = await plain.r.analyse(wav());
    expect(out.every((u) => !('adaptedOn' in u))).toBe(true);
    plain.r.resetAdaptation(); // harmless
    expect(plain.seen).toEqual([]);
    expect(plain.ports.models[0].adaptationEpoch).toBe(0);
    plain.r.dispose();
  });

  test('the app store follows (null, 0, n) and the controller resets', async () => {
    const { r, ports } = make();
    const store = createAppStore();
    const c = createController(store, r);
    expect(store.getState().adaptation).toBeNull();
    await c.init();
    expect(store.getState().adaptation).toEqual({ utterances: 0 });
    ports.fileScripts.push(twoUtterances());
    await r.analyse(wav());
    expect(store.getState().adaptation).toEqual({ utterances: 2 });
    c.resetAdaptation();
    expect(store.getState().adaptation).toEqual({ utterances: 0 });
    c.dispose();
  });
});
