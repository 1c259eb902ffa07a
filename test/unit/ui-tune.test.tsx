// @vitest-environment jsdom
/**
 * The "Tune to my voice" panel and the history's "This was…" control, rendered from store
 * state with a fake calibration API: what they say, what they call, where keyboard focus goes.
 */
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, test, vi } from 'vitest';
import type { Controller } from '../../src/app/controller-types';
import type { CalibrationState, RecognizerCalibration } from '../../src/embed/types';
import { createAppStore } from '../../src/store/app-store';
import { CorrectControl } from '../../src/ui/components/CorrectControl';
import { TunePanel } from '../../src/ui/components/TunePanel';
import { ServicesContext } from '../../src/ui/context';
import type { ModelInfo, UtteranceResult } from '../../src/results/types';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const LABELS = ['anger', 'neutral'];
const STATE: CalibrationState = {
  labels: LABELS,
  counts: [1, 0],
  minPerClass: 2,
  missing: LABELS,
  tuned: false,
  enabled: true,
  active: false,
  armed: null,
  fitting: false,
  lastFitMs: null,
  correctable: ['u1'],
  error: null,
};
const MODEL = { name: 'm', version: '1.0', labels: LABELS } as unknown as ModelInfo;

function render(node: React.ReactNode, showsTuning = true) {
  const store = createAppStore();
  const api = { arm: vi.fn(), addExample: vi.fn(), clear: vi.fn(async () => undefined), export: vi.fn(() => '{}'), enabled: true } as unknown as RecognizerCalibration;
  const startListening = vi.fn(async () => undefined);
  const controller = { calibration: () => api, startListening } as unknown as Controller;
  const el = document.createElement('div');
  document.body.append(el);
  const root = createRoot(el);
  act(() => root.render(<ServicesContext.Provider value={{ store, controller, showsTuning }}>{node}</ServicesContext.Provider>));
  return { store, api, startListening, el, done: () => (act(() => root.unmount()), el.remove()) };
}

test('panel: what is missing, arming a class (starts the microphone), the prompt, before/after, and Forget with focus kept', async () => {
  const { store, api, startListening, el, done } = render(<TunePanel />);
  expect(el.innerHTML).toBe(''); // no calibration: nothing
  act(() => store.setState({ model: MODEL, calibration: STATE }));
  const status = el.querySelector('[data-testid="tune-status"]')!;
  expect(status.getAttribute('role')).toBe('status');
  expect(status.textContent).toBe('Not tuned yet: anger needs 1 more, neutral needs 2 more (2 per emotion).');
  const record = el.querySelector<HTMLButtonElement>('button[aria-label="Record anger"]')!;
  expect(record.getAttribute('aria-pressed')).toBe('false');
  act(() => record.click());
  expect(api.arm).toHaveBeenCalledWith('anger');
  expect(startListening).toHaveBeenCalledOnce();
  act(() => store.setState({ calibration: { ...STATE, armed: 'anger' }, live: { ...store.getState().live, mic: 'listening' } }));
  expect(el.querySelector('button[aria-label="Stop recording anger"]')?.getAttribute('aria-pressed')).toBe('true');
  expect(el.querySelector('[data-testid="tune-prompt"]')?.textContent).toContain('nobody listened');
  expect(el.querySelector('[data-testid="tune-compare"]')).toBeNull();

  act(() => store.setState({ calibration: { ...STATE, counts: [2, 0], armed: 'anger' } }));
  expect(el.querySelector('[data-testid="tune-added"]')?.textContent).toBe('Added an example of anger (2 now).');

  const r = { id: 'u1', labels: LABELS, probabilities: [0.9, 0.1], untunedProbabilities: [0.2, 0.8] } as unknown as UtteranceResult;
  act(() => store.setState({ calibration: { ...STATE, counts: [2, 2], missing: [], tuned: true, active: true }, results: { u1: r }, order: ['u1'], currentId: 'u1' }));
  expect(status.textContent).toBe('The tuned model is active: results use your voice.');
  const compare = el.querySelector('[data-testid="tune-compare"]')!;
  expect([...compare.querySelectorAll('[data-probability]')].map((b) => b.getAttribute('data-probability'))).toEqual(['0.900000', '0.100000', '0.200000', '0.800000']);
  expect(el.querySelector<HTMLInputElement>('[role="switch"]')?.checked).toBe(true);

  const forget = [...el.querySelectorAll('button')].find((b) => b.textContent === 'Forget my voice')!;
  forget.focus();
  act(() => forget.click());
  const confirm = el.querySelector<HTMLButtonElement>('[data-testid="tune-forget-confirm"]')!;
  expect(document.activeElement).toBe(confirm);
  await act(async () => confirm.click());
  expect(api.clear).toHaveBeenCalledOnce();
  expect(document.activeElement?.textContent).toBe('Forget my voice');
  expect(el.querySelector('[data-testid="tune-message"]')?.textContent).toMatch(/deleted/);
  done();
});

test('"This was…" on a history row: only while its features are kept and the panel is shown; choosing adds the example', () => {
  const a = render(<CorrectControl id="u1" label="anger" />);
  act(() => a.store.setState({ calibration: STATE }));
  const select = a.el.querySelector('select')!;
  expect(select.getAttribute('aria-label')).toBe('Correct the utterance heard as anger: this was');
  act(() => {
    select.value = 'neutral';
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
  expect(a.api.addExample).toHaveBeenCalledWith('u1', 'neutral');
  act(() => a.store.setState({ calibration: { ...STATE, correctable: [] } }));
  expect(a.el.querySelector('select')).toBeNull();
  a.done();
  const hidden = render(<CorrectControl id="u1" label="anger" />, false);
  act(() => hidden.store.setState({ calibration: STATE }));
  expect(hidden.el.querySelector('select')).toBeNull();
  hidden.done();
});
