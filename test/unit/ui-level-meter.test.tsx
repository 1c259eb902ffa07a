// @vitest-environment jsdom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { isTooQuiet, LevelMeter, QUIET_SAMPLE_MS, QUIET_WINDOW, rmsToDbfs } from '../../src/ui/components/LevelMeter';

(globalThis as unknown as { IS_REACT_ACT_ENVIRONMENT: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | null = null;
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  act(() => root?.unmount());
  root = null;
  document.body.innerHTML = '';
  vi.useRealTimers();
});

/** Renders the meter and feeds it level reports, one per sampling interval (as the store does, 10 a second). */
function feed(levels: { rms: number; speech: boolean }[], active = true): HTMLElement {
  const el = document.createElement('div');
  document.body.append(el);
  root = createRoot(el);
  for (const l of levels) {
    act(() => root!.render(<LevelMeter level={l.rms} speech={l.speech} active={active} />));
    act(() => vi.advanceTimersByTime(QUIET_SAMPLE_MS));
  }
  return el;
}
const dbToRms = (db: number) => 10 ** (db / 20);
/** A full window of slightly varying levels around `db` (the store only changes on new values). */
const steady = (db: number, speech: boolean) => Array.from({ length: QUIET_WINDOW + 2 }, (_, i) => ({ rms: dbToRms(db - (i % 3)), speech }));

test('rmsToDbfs: full scale 0 dBFS, clamped to the -60..0 meter range', () => {
  expect(rmsToDbfs(1)).toBe(0);
  expect(rmsToDbfs(0.1)).toBeCloseTo(-20, 6);
  expect(rmsToDbfs(0)).toBe(-60);
  expect(rmsToDbfs(2)).toBe(0);
});

test('the meter exposes its level in dBFS to assistive technology', () => {
  const el = feed([{ rms: dbToRms(-23.4), speech: false }]);
  const meter = el.querySelector('[role="meter"]')!;
  expect(meter.getAttribute('aria-valuenow')).toBe('-23');
  expect(meter.getAttribute('aria-valuemin')).toBe('-60');
  expect(meter.getAttribute('aria-valuemax')).toBe('0');
  expect(meter.getAttribute('aria-valuetext')).toBe('-23 dBFS');
  expect(meter.getAttribute('aria-label')).toBe('Input level');
  expect(el.querySelector('.level-db')!.textContent).toBe('-23 dBFS');
});

test('quiet speech shows a polite "too quiet" cue; loud speech and silence do not', () => {
  const quiet = feed(steady(-45, true));
  const cue = quiet.querySelector('.level-cue')!;
  expect(cue.getAttribute('role')).toBe('status');
  expect(cue.getAttribute('aria-live')).toBe('polite');
  expect(cue.textContent).toMatch(/too quiet/i);
  act(() => root!.unmount());
  expect(feed(steady(-20, true)).querySelector('.level-cue')!.textContent).toBe('');
  act(() => root!.unmount());
  // Not speaking is not "too quiet".
  expect(feed(steady(-55, false)).querySelector('.level-cue')!.textContent).toBe('');
});

test('the cue goes away once the quiet speech is 3 s in the past, even if the level stops changing', () => {
  const el = feed(steady(-45, true));
  expect(el.querySelector('.level-cue')!.textContent).toMatch(/too quiet/i);
  act(() => root!.render(<LevelMeter level={0} speech={false} active />));
  act(() => vi.advanceTimersByTime(QUIET_SAMPLE_MS * (QUIET_WINDOW + 1)));
  expect(el.querySelector('.level-cue')!.textContent).toBe('');
});

test('the cue waits for a full window, and the meter hides when not listening', () => {
  expect(feed(steady(-50, true).slice(0, QUIET_WINDOW - 5)).querySelector('.level-cue')!.textContent).toBe('');
  act(() => root!.unmount());
  const off = feed(steady(-50, true), false);
  expect((off.querySelector('.level-meter') as HTMLElement).hidden).toBe(true);
  expect(off.querySelector('.level-cue')!.textContent).toBe('');
});

test('isTooQuiet needs speech in the window and a loudest level below the threshold', () => {
  const w = (db: number, speech: boolean) => Array.from({ length: QUIET_WINDOW }, () => ({ dbfs: db, speech }));
  expect(isTooQuiet(w(-40, true))).toBe(true);
  expect(isTooQuiet(w(-30, true))).toBe(false);
  expect(isTooQuiet(w(-40, false))).toBe(false);
  expect(isTooQuiet([...w(-40, true).slice(1), { dbfs: -10, speech: true }])).toBe(false);
});
