/**
 * Issue 9, long sessions: what a session keeps is bounded. The store's history and the
 * audio kept for playback both stop at HISTORY_LIMIT, oldest dropped first, and clearing
 * the history releases the audio.
 */
import { expect, test } from 'vitest';
import { AudioBank } from '../../src/app/audio-bank';
import { HISTORY_LIMIT, createAppStore, transitions } from '../../src/store/app-store';
import { fakeResult } from './helpers/results';

const result = (i: number) => fakeResult(i, { probabilities: [0.25, 0.75], at: i });

test('a session twice the cap keeps HISTORY_LIMIT results and clips, the newest', () => {
  const store = createAppStore();
  const bank = new AudioBank(HISTORY_LIMIT);
  const n = 2 * HISTORY_LIMIT;
  for (let i = 1; i <= n; i++) {
    bank.put(`u${i}`, new Float32Array(16));
    store.setState(transitions.addResult(store.getState(), result(i)));
    bank.retain(new Set(store.getState().order));
  }
  const s = store.getState();
  expect(s.order).toHaveLength(HISTORY_LIMIT);
  expect(Object.keys(s.results)).toHaveLength(HISTORY_LIMIT);
  expect(s.order[0]).toBe(`u${n - HISTORY_LIMIT + 1}`);
  expect(bank.has(`u${n - HISTORY_LIMIT}`)).toBe(false);
  expect(bank.has(`u${n - HISTORY_LIMIT + 1}`)).toBe(true);
  expect(bank.has(`u${n}`)).toBe(true);

  store.setState(transitions.clearHistory(store.getState()));
  bank.retain(new Set(store.getState().order));
  expect(store.getState().order).toHaveLength(0);
  expect(bank.has(`u${n}`)).toBe(false);
});

test('the audio bank alone never holds more than its limit', () => {
  const bank = new AudioBank(3);
  for (let i = 0; i < 10; i++) bank.put(`c${i}`, new Float32Array(1));
  expect([...Array(10).keys()].filter((i) => bank.has(`c${i}`))).toEqual([7, 8, 9]);
});

test('the audio bank also stops at its byte budget (long utterances), oldest dropped', () => {
  const bank = new AudioBank(500, 1000 * 4);
  for (let i = 0; i < 10; i++) bank.put(`c${i}`, new Float32Array(300)); // 1200 bytes each
  expect(bank.size).toBeLessThanOrEqual(4000);
  expect([...Array(10).keys()].filter((i) => bank.has(`c${i}`))).toEqual([7, 8, 9]);
  bank.retain(new Set(['c9']));
  expect(bank.size).toBe(1200);
});
