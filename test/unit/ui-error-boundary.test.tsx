// @vitest-environment jsdom
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, test, vi } from 'vitest';
import type { Controller } from '../../src/app/controller-types';
import { createAppStore, transitions } from '../../src/store/app-store';
import { App } from '../../src/ui/App';
import { fakeResult } from './helpers/results';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

test('a result that cannot be rendered (NaN probabilities) costs its sections, never the page', () => {
  const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const store = createAppStore();
  const controller = { retryModel: () => undefined } as unknown as Controller; // no action is triggered
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  act(() => root.render(<App store={store} controller={controller} />));
  expect(el.querySelector('h1')?.textContent).toBe('Speech Emotion Recognizer');
  expect(el.querySelectorAll('[role="alert"].section-error')).toHaveLength(0);

  // Bypasses the model's own finite check: the view must survive bad data on its own.
  act(() => store.setState(transitions.addResult(store.getState(), fakeResult(1, { probabilities: [NaN, NaN] }))));
  expect(el.querySelector('h1')?.textContent).toBe('Speech Emotion Recognizer'); // the page is still there
  const failed = [...el.querySelectorAll('.section-error')];
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.map((f) => f.textContent).join(' ')).toMatch(/could not be shown: probability 0 is not finite/);
  expect(el.querySelector('.ser-app')?.children.length).toBeGreaterThan(failed.length + 1); // other sections rendered

  // Once the data is good again, "Try again" renders the section.
  act(() => store.setState(transitions.clearHistory(store.getState())));
  for (const b of el.querySelectorAll<HTMLButtonElement>('.section-error button')) act(() => b.click());
  expect(el.querySelectorAll('.section-error')).toHaveLength(0);
  act(() => root.unmount());
  errors.mockRestore();
});
