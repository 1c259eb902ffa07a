// @vitest-environment jsdom
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, test } from 'vitest';
import type { Controller } from '../../src/app/controller-types';
import { createAppStore, transitions } from '../../src/store/app-store';
import { fakeResult } from './helpers/results';
import { HISTORY_RENDERED, History } from '../../src/ui/components/History';
import { ServicesContext } from '../../src/ui/context';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const result = (i: number) =>
  fakeResult(i, { endS: i + 2, labels: ['anger', 'sadness'], probabilities: i % 2 ? [0.8, 0.2] : [0.3, 0.7] });

test('history renders the newest rows only until asked for all', () => {
  const store = createAppStore();
  const n = HISTORY_RENDERED + 12;
  for (let i = 0; i < n; i++) store.setState(transitions.addResult(store.getState(), result(i)));
  const controller = {} as Controller; // no action is triggered in this test
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  act(() =>
    root.render(
      <ServicesContext.Provider value={{ store, controller }}>
        <History />
      </ServicesContext.Provider>,
    ),
  );
  const items = () => [...el.querySelectorAll('.history-item')];
  expect(el.querySelector('h2')?.textContent).toBe(`History (${n})`);
  expect(items()).toHaveLength(HISTORY_RENDERED);
  // Newest first, with its top emotion written out (not colour alone).
  expect(items()[0].getAttribute('data-top')).toBe('anger');
  expect(items()[0].querySelector('.history-meta')?.textContent).toContain('anger 80%');
  const toggle = el.querySelector<HTMLButtonElement>('button.show-all')!;
  expect(toggle.getAttribute('aria-expanded')).toBe('false');
  act(() => toggle.click());
  expect(items()).toHaveLength(n);
  expect(toggle.getAttribute('aria-expanded')).toBe('true');
  act(() => root.unmount());
});
