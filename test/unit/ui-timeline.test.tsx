// @vitest-environment jsdom
/**
 * Issue 14 parts 2-5: the file's energy envelope (bounded, exact RMS), the timeline maths
 * (scale, tap-sized segments, ticks, keys, scrolling), the "uncertain" flag computed once in
 * the recognizer, and the timeline / current result / chart views driven like a user would.
 */
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { describe, expect, test, vi } from 'vitest';
import { ENVELOPE_POINTS, EnvelopeBuilder, rmsToDb } from '../../src/audio/envelope';
import type { Controller } from '../../src/app/controller-types';
import { Recognizer, type RecognizerEvents } from '../../src/app/recognizer';
import { chartPoints, chartTicks, chartWindowS } from '../../src/results/chart';
import { DEFAULT_SEGMENT_PX, MIN_TARGET_PX, clampScale, defaultScale, fitScale, keyMove, scrollToShow, segmentBox, tickLabel, timeTicks } from '../../src/results/timeline';
import type { FileJob, UtteranceResult } from '../../src/results/types';
import { isUncertain } from '../../src/results/uncertain';
import { createAppStore, transitions } from '../../src/store/app-store';
import { CurrentResult } from '../../src/ui/components/CurrentResult';
import { EmotionChart } from '../../src/ui/components/EmotionChart';
import { FilePanel } from '../../src/ui/components/FilePanel';
import { ServicesContext } from '../../src/ui/context';
import { FakePorts, settle } from './helpers/fake-ports';
import { fakeResult } from './helpers/results';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const SR = 16000;

describe('EnvelopeBuilder', () => {
  /** Exact RMS of x[a, b). */
  const rms = (x: Float32Array, a: number, b: number) => Math.sqrt(x.subarray(a, b).reduce((s, v) => s + v * v, 0) / (b - a));

  test('known length: one bin per ceil(samples / points), exact RMS, any chunking', () => {
    const x = Float32Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 7) * (i < 5000 ? 0.1 : 0.5));
    const one = new EnvelopeBuilder(x.length, 100, SR);
    one.push(x);
    const chunked = new EnvelopeBuilder(x.length, 100, SR);
    for (let i = 0; i < x.length; i += 333) chunked.push(x.subarray(i, i + 333));
    const e = one.result()!;
    expect(e.rms).toHaveLength(100);
    expect(e.binS).toBeCloseTo(100 / SR, 12);
    expect(chunked.result()).toEqual(e);
    e.rms.forEach((v, b) => expect(v).toBeCloseTo(rms(x, b * 100, (b + 1) * 100), 5));
  });

  test('longer than expected: bins merge in pairs, never more than maxPoints, still exact', () => {
    const x = Float32Array.from({ length: 25_000 }, (_, i) => ((i * 7919) % 101) / 101 - 0.5);
    const b = new EnvelopeBuilder(1000, 10, SR); // expects 100 samples per bin
    for (let i = 0; i < x.length; i += 999) b.push(x.subarray(i, i + 999));
    const e = b.result()!;
    expect(e.rms.length).toBeLessThanOrEqual(10);
    const per = Math.round(e.binS * SR);
    expect(per).toBe(3200); // 100 -> 200 -> ... -> 3200 (8 bins of 3200 cover 25,000)
    expect(e.rms).toHaveLength(Math.ceil(x.length / per));
    e.rms.forEach((v, k) => expect(v).toBeCloseTo(rms(x, k * per, Math.min(x.length, (k + 1) * per)), 5));
  });

  test('a 2-hour file keeps <= 2,000 points; nothing pushed: null; dBFS', () => {
    const b = new EnvelopeBuilder(2 * 3600 * SR);
    expect(b.result()).toBeNull();
    const chunk = new Float32Array(2 * SR).fill(0.1);
    for (let s = 0; s < 2 * 3600; s += 2) b.push(chunk);
    const e = b.result()!;
    expect(e.rms).toHaveLength(ENVELOPE_POINTS);
    expect(e.binS * e.rms.length).toBeCloseTo(7200, 6);
    expect(rmsToDb(e.rms[5])).toBeCloseTo(-20, 4);
    expect(() => new EnvelopeBuilder(10, 1)).toThrow(/maxPoints/);
  });
});

describe('timeline maths', () => {
  test('96-s file at 360 px with 2-s utterances: zoomed so each is >= 44 px (a label fits), scrolls', () => {
    const fit = fitScale(96, 360);
    expect(2 * fit).toBeLessThan(MIN_TARGET_PX); // the old garbled 7.5-px segments
    const s = defaultScale(96, 360, new Array(30).fill(2));
    expect(2 * s).toBeGreaterThanOrEqual(DEFAULT_SEGMENT_PX);
    expect(96 * s).toBeGreaterThan(360);
    // A short file that fits keeps the fit scale.
    expect(defaultScale(3, 1000, [2])).toBeCloseTo(fitScale(3, 1000), 9);
    expect(clampScale(1e9, 96, 360)).toBe(320);
    expect(clampScale(0, 96, 360)).toBeCloseTo(fit, 9);
    expect(segmentBox(10, 10.1, 5)).toEqual({ left: 50, width: MIN_TARGET_PX });
  });

  test('ticks are >= 64 px apart and bounded for 2 hours; labels', () => {
    const t = timeTicks(96, 12);
    expect((t[1] - t[0]) * 12).toBeGreaterThanOrEqual(64);
    expect(t[0]).toBe(0);
    expect(t.at(-1)).toBeLessThanOrEqual(96);
    expect(timeTicks(7200, 12).length).toBeLessThanOrEqual(401);
    expect(tickLabel(65)).toBe('1:05');
    expect(tickLabel(2.5)).toBe('0:02.5');
  });

  test('keys: arrows, Home, End; nothing selected starts at the first; other keys are not moves', () => {
    expect(keyMove('ArrowRight', -1, 5)).toBe(0);
    expect(keyMove('ArrowRight', 2, 5)).toBe(3);
    expect(keyMove('ArrowRight', 4, 5)).toBe(4);
    expect(keyMove('ArrowLeft', 0, 5)).toBe(0);
    expect(keyMove('End', 1, 5)).toBe(4);
    expect(keyMove('Home', 3, 5)).toBe(0);
    expect(keyMove('Enter', 3, 5)).toBeNull();
    expect(keyMove('ArrowRight', -1, 0)).toBeNull();
  });

  test('scrollToShow moves only when the segment is out of view', () => {
    expect(scrollToShow(100, 24, 0, 360)).toBe(0);
    expect(scrollToShow(500, 24, 0, 360)).toBe(500 + 24 + 32 - 360);
    expect(scrollToShow(50, 24, 200, 360)).toBe(18);
  });
});

describe('uncertain', () => {
  test('top probability below the threshold; no threshold marks nothing', () => {
    expect(isUncertain([0.45, 0.3, 0.25], 0.5)).toBe(true);
    expect(isUncertain([0.5, 0.3, 0.2], 0.5)).toBe(false);
    expect(isUncertain([0.34, 0.33, 0.33], undefined)).toBe(false);
  });

  async function run(manifest: ConstructorParameters<typeof FakePorts>[0]) {
    const ports = new FakePorts(manifest);
    const r = new Recognizer({ manifestUrl: 'https://m.example/manifest.json', backend: 'wasm', historyLimit: 10 }, ports);
    const ready: RecognizerEvents['model-ready'][] = [];
    const results: RecognizerEvents['result'][] = [];
    const events: RecognizerEvents['utterance'][] = [];
    r.on('model-ready', (e) => ready.push(e));
    r.on('result', (e) => results.push(e));
    r.on('utterance', (e) => events.push(e));
    await r.load();
    await r.start();
    ports.segmenters[0].onEvent({ type: 'utterance', audio: new Float32Array(SR), startSample: 0, endSample: SR, reason: 'silence' });
    await settle();
    r.dispose();
    return { ready: ready[0], result: results[0], event: events[0] };
  }

  const evaluation = (uncertain_below?: number) => ({ evaluation: { protocol: 'loco', leave_one_corpus_out: {}, ...(uncertain_below !== undefined ? { uncertain_below } : {}) } });

  test('the recognizer marks results (0.7 top) against the manifest threshold, in results and events', async () => {
    const high = await run({ manifest: evaluation(0.8) });
    expect(high.ready.model.uncertainBelow).toBe(0.8);
    expect(high.result.uncertain).toBe(true);
    expect(high.event.uncertain).toBe(true);
    const low = await run({ manifest: evaluation(0.6) });
    expect(low.result.uncertain).toBe(false);
    expect(low.event.uncertain).toBe(false);
    const none = await run({ manifest: evaluation() });
    expect(none.ready.model.uncertainBelow).toBeUndefined();
    expect(none.result.uncertain).toBe(false);
    expect(none.event.uncertain).toBe(false);
  });
});

describe('file jobs carry the envelope', () => {
  test('done job: <= 2,000 bins covering the file', async () => {
    const ports = new FakePorts();
    const r = new Recognizer({ manifestUrl: 'https://m.example/manifest.json', backend: 'wasm', historyLimit: 10 }, ports);
    const jobs: FileJob[] = [];
    r.on('file', (j) => jobs.push(j));
    await r.load();
    ports.fileScripts.push([]);
    await r.analyseFile(new File([new Uint8Array(3 * SR * 4)], 'a.wav'));
    const done = jobs.at(-1)!;
    expect(done.status).toBe('done');
    expect(done.envelope!.rms.length).toBeLessThanOrEqual(ENVELOPE_POINTS);
    expect(done.envelope!.binS * done.envelope!.rms.length).toBeCloseTo(3, 3);
    r.dispose();
  });
});

describe('views', () => {
  const labels = ['anger', 'neutral'];
  function render(node: React.ReactNode, results: UtteranceResult[], files: FileJob[] = []) {
    const store = createAppStore();
    for (const r of results) store.setState(transitions.addResult(store.getState(), r));
    store.setState({ files });
    const controller = {
      playUtterance: vi.fn(),
      selectUtterance: vi.fn((id: string | null) => store.setState(transitions.select(store.getState(), id))),
      analyseFiles: vi.fn(),
    } as unknown as Controller;
    const el = document.createElement('div');
    document.body.append(el);
    const root = createRoot(el);
    act(() => root.render(<ServicesContext.Provider value={{ store, controller }}>{node}</ServicesContext.Provider>));
    return { el, root, store, controller };
  }
  const utt = (i: number, p: number, patch: Partial<UtteranceResult> = {}) =>
    fakeResult(i, { source: 'file', fileName: 'f.wav', labels, probabilities: [p, 1 - p], startS: i * 3, endS: i * 3 + 2, ...patch });

  test('timeline: one Tab stop; arrows/Home/End select, the bars follow, Enter plays; uncertain in words', () => {
    const utts = [utt(1, 0.9), utt(2, 0.2), utt(3, 0.55, { uncertain: true })];
    const job: FileJob = { id: 'f1', name: 'f.wav', status: 'done', progress: 1, durationS: 12, utteranceIds: utts.map((u) => u.id), message: null, envelope: { binS: 0.5, rms: new Array(24).fill(0.01) } };
    const { el, root, store, controller } = render(
      <>
        <CurrentResult />
        <FilePanel />
      </>,
      utts,
      [job],
    );
    const box = el.querySelector<HTMLElement>('[role="listbox"]')!;
    const options = [...el.querySelectorAll<HTMLElement>('[role="option"]')];
    expect(options).toHaveLength(3);
    // One Tab stop: the listbox; the options are not focusable themselves.
    expect(box.tabIndex).toBe(0);
    expect(options.every((o) => !o.hasAttribute('tabindex'))).toBe(true);
    expect(options[2].getAttribute('aria-label')).toMatch(/^anger 55%, uncertain, /);
    expect(el.querySelector('.timeline-energy')?.getAttribute('data-points')).toBe('24');
    const key = (k: string) => act(() => box.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })));
    const current = () => el.querySelector('.current')!;
    expect(current().getAttribute('data-utterance-id')).toBe('u3'); // latest
    key('ArrowRight');
    expect(store.getState().selectedId).toBe('u1');
    expect(box.getAttribute('aria-activedescendant')).toBe(options[0].id);
    expect(options[0].getAttribute('aria-selected')).toBe('true');
    expect(current().getAttribute('data-utterance-id')).toBe('u1');
    expect(current().querySelector('h2')!.textContent).toBe('Selected utterance');
    key('ArrowRight');
    expect(current().querySelector('.bar.winner')!.getAttribute('data-label')).toBe('neutral');
    key('End');
    expect(store.getState().selectedId).toBe('u3');
    expect(current().textContent).toContain('uncertain');
    expect(current().querySelector('.bar-top')!.textContent).toBe(' (top, uncertain)');
    key('Home');
    expect(store.getState().selectedId).toBe('u1');
    key('Enter');
    expect(controller.playUtterance).toHaveBeenCalledWith('u1');
    const back = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Back to latest')!;
    act(() => back.click());
    expect(store.getState().selectedId).toBeNull();
    expect(current().getAttribute('data-utterance-id')).toBe('u3');
    act(() => root.unmount());
  });

  test('playhead appears while an utterance of the file plays', () => {
    const utts = [utt(1, 0.9)];
    const job: FileJob = { id: 'f1', name: 'f.wav', status: 'done', progress: 1, durationS: 6, utteranceIds: ['u1'], message: null };
    const { el, root, store } = render(<FilePanel />, utts, [job]);
    expect(el.querySelector('.playhead')).toBeNull();
    act(() => store.setState({ playing: { id: 'u1', fromS: 0.5, durationS: 2, startedAt: performance.now() } }));
    const head = el.querySelector<HTMLElement>('.playhead')!;
    expect(Number(head.dataset['position'])).toBeGreaterThanOrEqual(3.5);
    expect(Number(head.dataset['position'])).toBeLessThanOrEqual(5);
    act(() => store.setState({ playing: null }));
    expect(el.querySelector('.playhead')).toBeNull();
    act(() => root.unmount());
  });

  test('chart: microphone results of the last 3 minutes; uncertain points hollow and said in words', () => {
    const now = Date.now();
    const mic = (i: number, p: number, agoS: number, uncertain = false) => fakeResult(i, { labels, probabilities: [p, 1 - p], at: now - agoS * 1000, uncertain });
    expect(chartPoints([mic(1, 0.9, 500), mic(2, 0.8, 60), mic(3, 0.3, 0)], now).map((p) => [p.id, p.top, Number(p.x.toFixed(3))])).toEqual([
      ['u2', 0, 0.667],
      ['u3', 1, 1],
    ]);
    // The window is the session so far (>= 30 s, <= 180 s), so a short session is not squeezed into a corner.
    expect(chartWindowS([mic(1, 0.9, 12)], now)).toBe(30);
    expect(chartWindowS([mic(1, 0.9, 71)], now)).toBe(80);
    expect(chartWindowS([mic(1, 0.9, 1000)], now)).toBe(180);
    expect(chartTicks(30)).toEqual([0, 10, 20, 30]);
    expect(chartTicks(180)).toEqual([0, 60, 120, 180]);
    const { el, root } = render(<EmotionChart />, [mic(1, 0.9, 30), mic(2, 0.55, 20, true), mic(3, 0.2, 10), fakeResult(4, { source: 'file', labels, probabilities: [1, 0], at: now })]);
    const chart = el.querySelector('[data-testid="emotion-chart"]')!;
    expect(chart.getAttribute('data-points')).toBe('3'); // the file result is not part of the live chart
    expect(chart.querySelectorAll('polyline.chart-line')).toHaveLength(2);
    expect(chart.querySelectorAll('circle.uncertain')).toHaveLength(1);
    expect(chart.querySelector('svg')!.getAttribute('aria-label')).toBe(
      'Emotion over time: 3 utterance(s) in the last 3 minutes at most; latest neutral 80%; most often anger (2); 1 uncertain.',
    );
    act(() => root.unmount());
  });
});
