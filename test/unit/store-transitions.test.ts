import { describe, expect, test } from 'vitest';
import { HISTORY_LIMIT, createAppStore, transitions } from '../../src/store/app-store';
import { fakeResult } from './helpers/results';

const result = (i: number) => fakeResult(i);

describe('store transitions', () => {
  test('a new result becomes current and is appended to history', () => {
    const store = createAppStore();
    store.setState(transitions.addResult(store.getState(), result(1)));
    store.setState(transitions.addResult(store.getState(), result(2)));
    expect(store.getState().order).toEqual(['u1', 'u2']);
    expect(store.getState().currentId).toBe('u2');
  });

  test('history is capped: memory stays bounded in long sessions', () => {
    const store = createAppStore();
    for (let i = 0; i < HISTORY_LIMIT + 25; i++) store.setState(transitions.addResult(store.getState(), result(i)));
    const s = store.getState();
    expect(s.order).toHaveLength(HISTORY_LIMIT);
    expect(Object.keys(s.results)).toHaveLength(HISTORY_LIMIT);
    expect(s.order[0]).toBe('u25');
    expect(s.results.u0).toBeUndefined();
  });

  test('results shown on a file timeline survive the cap', () => {
    const store = createAppStore();
    store.setState(transitions.addResult(store.getState(), result(0)));
    store.setState({ files: [{ id: 'f', name: 'x.wav', status: 'done', progress: 1, durationS: 5, utteranceIds: ['u0'], message: null }] });
    for (let i = 1; i <= HISTORY_LIMIT; i++) store.setState(transitions.addResult(store.getState(), result(i)));
    expect(store.getState().order).not.toContain('u0');
    expect(store.getState().results.u0).toBeDefined();
  });

  test('clear empties history and finished files, keeps running jobs', () => {
    const store = createAppStore();
    store.setState(transitions.addResult(store.getState(), result(1)));
    store.setState({
      files: [
        { id: 'a', name: 'a', status: 'done', progress: 1, durationS: 1, utteranceIds: [], message: null },
        { id: 'b', name: 'b', status: 'analysing', progress: 0.5, durationS: 1, utteranceIds: [], message: null },
      ],
    });
    store.setState(transitions.clearHistory(store.getState()));
    expect(store.getState().order).toEqual([]);
    expect(store.getState().currentId).toBeNull();
    expect(store.getState().files.map((f) => f.id)).toEqual(['b']);
  });

  test('notices keep the latest five and can be dismissed', () => {
    const store = createAppStore();
    for (let i = 0; i < 7; i++) store.setState(transitions.notify(store.getState(), 'info', `n${i}`));
    const ns = store.getState().notices;
    expect(ns.map((n) => n.text)).toEqual(['n2', 'n3', 'n4', 'n5', 'n6']);
    store.setState(transitions.dismiss(store.getState(), ns[0].id));
    expect(store.getState().notices).toHaveLength(4);
  });
});
