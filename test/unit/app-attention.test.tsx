// @vitest-environment jsdom
/**
 * "Where it heard it": the attention curve from the inference port through the Recognizer's
 * results and utterance events, the store's selection and JSON export, and the view
 * (shown only for models with attention; label says where the most weight is; activation
 * plays from there).
 */
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, test, vi } from 'vitest';
import { createController } from '../../src/app/controller';
import type { Controller } from '../../src/app/controller-types';
import { Recognizer, type RecognizerEvents } from '../../src/app/recognizer';
import { binAttention } from '../../src/model/attention';
import { attentionJSON, densities, envelope, peakStretch } from '../../src/results/attention';
import { exportDocument } from '../../src/results/export';
import { createAppStore, transitions } from '../../src/store/app-store';
import { AttentionView } from '../../src/ui/components/AttentionView';
import { ServicesContext } from '../../src/ui/context';
import { FakePorts, peakedAttention, settle } from './helpers/fake-ports';
import { fakeResult } from './helpers/results';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

describe('attention helpers', () => {
  test('peakStretch: the ~0.5-s run of bins with the most weight', () => {
    // 100 frames of 20 ms, weight concentrated on frames 40..59 (0.8-1.2 s)
    const w = Array.from({ length: 100 }, (_, t) => (t >= 40 && t < 60 ? 0.045 : 0.1 / 80));
    const p = peakStretch(binAttention(w, 0.02));
    expect(p.endS - p.startS).toBeCloseTo(0.5, 6);
    expect(p.startS).toBeLessThanOrEqual(0.8 + 1e-9);
    expect(p.endS).toBeGreaterThanOrEqual(1.2 - 1e-9);
    expect(p.share).toBeGreaterThan(0.9);
  });

  test('peakStretch of an utterance shorter than the stretch is the whole of it', () => {
    const p = peakStretch(binAttention([0.5, 0.5], 0.02));
    expect(p).toEqual({ startS: 0, endS: 0.04, share: 1 });
  });

  test('densities divide by each bin length (a short last bin is not drawn low); envelope gives min/max per column', () => {
    const a = binAttention(new Array(150).fill(1 / 150), 0.02); // 2 frames per bin, 75 bins
    const d = densities(a);
    expect(Math.max(...d) - Math.min(...d)).toBeLessThan(1e-9);
    const odd = binAttention(new Array(151).fill(1 / 151), 0.02); // last bin: 1 frame
    expect(densities(odd).at(-1)).toBeCloseTo(densities(odd)[0], 9);
    const { min, max } = envelope(Float32Array.from([0, 1, -1, 0.5, -0.25, 0]), 3);
    expect([...min]).toEqual([0, -1, -0.25]);
    expect([...max]).toEqual([1, 0.5, 0]);
  });

  test('JSON export carries bin seconds, frames and rounded weights', () => {
    const a = peakedAttention(120);
    expect(attentionJSON(a)).toMatchObject({ bin_s: 0.04, frames: 120 });
    const doc = exportDocument([fakeResult(1, { attention: a }), fakeResult(2)], { appVersion: '0', exportedAt: new Date(0) });
    const rows = [...doc.files, ...doc.microphone];
    expect(rows[0].attention).toEqual(attentionJSON(a));
    expect(rows[1].attention).toBeNull();
  });
});

describe('Recognizer with an attention model (fake ports)', () => {
  const SR = 16000;
  test('model-ready says so; results and utterance events carry the curve; the audio stays available', async () => {
    const ports = new FakePorts({ attention: true });
    const r = new Recognizer({ manifestUrl: 'https://m.example/manifest.json', backend: 'wasm', historyLimit: 10 }, ports);
    const ready: RecognizerEvents['model-ready'][] = [];
    const results: RecognizerEvents['result'][] = [];
    const utterances: RecognizerEvents['utterance'][] = [];
    r.on('model-ready', (e) => ready.push(e));
    r.on('result', (e) => results.push(e));
    r.on('utterance', (e) => utterances.push(e));
    await r.load();
    expect(ready[0].model.attention).toBe(true);
    await r.start();
    const audio = new Float32Array(2 * SR);
    ports.segmenters[0].onEvent({ type: 'utterance', audio, startSample: 0, endSample: 2 * SR, reason: 'silence' });
    await settle();
    expect(results[0].attention).toEqual(peakedAttention(100));
    expect(utterances[0].attention).toEqual(results[0].attention);
    expect(utterances[0].attention!.weights).not.toBe(results[0].attention!.weights); // hosts get a copy
    expect(r.audio(results[0].id)).toBe(audio);
    r.dispose();
  });

  test('a model without attention: model.attention false, results without it', async () => {
    const ports = new FakePorts();
    const r = new Recognizer({ manifestUrl: 'https://m.example/manifest.json', backend: 'wasm', historyLimit: 10 }, ports);
    const ready: RecognizerEvents['model-ready'][] = [];
    const results: RecognizerEvents['result'][] = [];
    r.on('model-ready', (e) => ready.push(e));
    r.on('result', (e) => results.push(e));
    await r.load();
    await r.start();
    ports.segmenters[0].onEvent({ type: 'utterance', audio: new Float32Array(SR), startSample: 0, endSample: SR, reason: 'silence' });
    await settle();
    expect(ready[0].model.attention).toBe(false);
    expect(results[0]).not.toHaveProperty('attention');
    r.dispose();
  });

  test('controller: select and play from a time reach the store and the recognizer', async () => {
    const store = createAppStore();
    const r = new Recognizer({ manifestUrl: 'https://m.example/manifest.json', backend: 'wasm', historyLimit: 10 }, new FakePorts({ attention: true }));
    const play = vi.spyOn(r, 'play').mockResolvedValue();
    const c = createController(store, r);
    store.setState(transitions.addResult(store.getState(), fakeResult(1)));
    c.selectUtterance('u1');
    expect(store.getState().selectedId).toBe('u1');
    c.selectUtterance('nope'); // unknown ids select nothing
    expect(store.getState().selectedId).toBeNull();
    c.playUtterance('u1', 0.8);
    expect(play).toHaveBeenCalledWith('u1', 0.8);
    c.selectUtterance('u1');
    c.clearHistory();
    expect(store.getState().selectedId).toBeNull();
    r.dispose();
  });
});

describe('AttentionView', () => {
  const model = (attention: boolean) => ({
    name: 'm',
    version: '1',
    labels: ['a', 'b'],
    cardUrl: null,
    manifestUrl: 'x',
    summary: {} as never,
    attention,
  });

  function render(attention: boolean, results = [fakeResult(1, { startS: 0, endS: 2, attention: peakedAttention(100) })]) {
    const store = createAppStore();
    store.setState({ model: model(attention) });
    for (const r of results) store.setState(transitions.addResult(store.getState(), r));
    const controller = {
      playUtterance: vi.fn(),
      selectUtterance: vi.fn((id: string | null) => store.setState(transitions.select(store.getState(), id))),
      utteranceAudio: () => new Float32Array(32000).map((_, i) => Math.sin(i / 10)),
    } as unknown as Controller;
    const el = document.createElement('div');
    document.body.append(el);
    const root = createRoot(el);
    act(() =>
      root.render(
        <ServicesContext.Provider value={{ store, controller, showsAttention: true }}>
          <AttentionView />
        </ServicesContext.Provider>,
      ),
    );
    return { el, root, store, controller };
  }

  test('latest result: waveform, curve, highlighted stretch; accessible label; activation plays from the stretch', () => {
    const { el, root, controller } = render(true);
    const view = el.querySelector('[data-testid="attention-view"]')!;
    expect(view).not.toBeNull();
    expect(view.textContent).toContain('not proof of what caused it');
    const button = el.querySelector<HTMLButtonElement>('button.attention-plot')!;
    // weight peaks over frames 40..60 of 100 (0.8-1.2 s): the 0.5-s stretch covers it
    const start = Number(button.dataset['peakStart']);
    const end = Number(button.dataset['peakEnd']);
    expect(start).toBeLessThanOrEqual(0.8);
    expect(end).toBeGreaterThanOrEqual(1.2);
    expect(button.getAttribute('aria-label')).toMatch(/^Attention over the utterance: most weight \d\.\d\d–\d\.\d\d s into the utterance \(\d+ % of it\)\. Play from \d\.\d\d s\.$/);
    expect(el.querySelector('svg')?.getAttribute('role')).toBe('img');
    expect(el.querySelector('.attention-wave')).not.toBeNull();
    expect(el.querySelector('.attention-curve')).not.toBeNull();
    act(() => button.click());
    expect(controller.playUtterance).toHaveBeenCalledWith('u1', start);
    act(() => root.unmount());
  });

  test('a selected row is shown instead of the latest until "Show latest"', () => {
    const { el, root, store } = render(true, [
      fakeResult(1, { attention: peakedAttention(50) }),
      fakeResult(2, { attention: peakedAttention(80) }),
    ]);
    const shown = () => el.querySelector('[data-testid="attention-view"]')?.getAttribute('data-utterance-id');
    expect(shown()).toBe('u2');
    act(() => store.setState(transitions.select(store.getState(), 'u1')));
    expect(shown()).toBe('u1');
    const back = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Show latest')!;
    act(() => back.click());
    expect(shown()).toBe('u2');
    act(() => root.unmount());
  });

  test('hidden for a model without attention', () => {
    const { el, root } = render(false);
    expect(el.querySelector('[data-testid="attention-view"]')).toBeNull();
    act(() => root.unmount());
  });
});
