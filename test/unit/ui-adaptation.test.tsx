// @vitest-environment jsdom
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, test, vi } from 'vitest';
import type { Controller } from '../../src/app/controller-types';
import { createAppStore } from '../../src/store/app-store';
import { Adaptation } from '../../src/ui/components/Adaptation';
import { ServicesContext } from '../../src/ui/context';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

test('hidden without domain normalisation; otherwise a polite live count and a Reset button that stays focusable', () => {
  const store = createAppStore();
  const resetAdaptation = vi.fn();
  const controller = { resetAdaptation } as unknown as Controller;
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  act(() =>
    root.render(
      <ServicesContext.Provider value={{ store, controller }}>
        <Adaptation />
      </ServicesContext.Provider>,
    ),
  );
  expect(el.innerHTML).toBe('');
  act(() => store.setState({ adaptation: { utterances: 0 } }));
  const status = el.querySelector('[role="status"]')!;
  expect(status.getAttribute('aria-live')).toBe('polite');
  expect(status.textContent).toBe('Adapting to this voice: 0 utterances');
  act(() => store.setState({ adaptation: { utterances: 1 } }));
  expect(status.textContent).toBe('Adapting to this voice: 1 utterance');
  act(() => store.setState({ adaptation: { utterances: 2 } }));
  expect(status.textContent).toBe('Adapting to this voice: 2 utterances');
  const button = el.querySelector('button')!;
  expect(button.textContent).toBe('Reset');
  expect(el.querySelector(`#${button.getAttribute('aria-describedby')}`)?.textContent).toContain('statistics of this session');
  button.focus();
  act(() => button.click());
  expect(resetAdaptation).toHaveBeenCalledOnce();
  act(() => store.setState({ adaptation: { utterances: 0 } }));
  expect(button.disabled).toBe(false);
  expect(document.activeElement).toBe(button);
  act(() => root.unmount());
  el.remove();
});
